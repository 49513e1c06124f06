//! `/api/v1/campaigns`: broadcast campaigns — drafts, preview, schedule,
//! start, pause, resume, cancel, live counts, per-recipient results and
//! their CSV export.

use crate::auth::{Manager, Reader};
use crate::campaigns::launch::{self, LaunchError};
use crate::campaigns::local_time::{self, LocalSend, QuietHours};
use crate::campaigns::retarget::RetargetRule;
use crate::campaigns::split::{Variant, VariantB};
use crate::campaigns::{audience, runner};
use crate::http::drips;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::pagination;
use crate::http::valid::{self, not_blank, Valid};
use crate::plans::Feature;
use crate::startup::AppState;
use crate::store::repo::campaigns::{CampaignDraft, CampaignStats, CampaignStatus, CampaignView, Cost, TemplateRef};
use crate::store::repo::TenantDb;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use whatsflow_actors::ids::{CampaignId, ChannelId, TenantId};

/// `POST /campaigns` and `PATCH /campaigns/{id}` (a draft's whole content).
#[derive(Deserialize, garde::Validate)]
pub struct CampaignBody {
    #[garde(length(chars, max = 200), custom(not_blank))]
    name: String,
    #[garde(skip)]
    channel_id: uuid::Uuid,
    #[garde(dive)]
    template: TemplateName,
    #[serde(default)]
    #[garde(skip)]
    variables: Value,
    #[garde(skip)]
    audience: Value,
    #[serde(default)]
    #[garde(inner(range(min = 1, max = 1000)))]
    rate_mps: Option<i32>,
    /// The business's IANA zone (default UTC).
    #[serde(default)]
    #[garde(inner(length(chars, max = 64)))]
    timezone: Option<String>,
    /// `{"start": "21:00", "end": "09:00"}` or null.
    #[serde(default)]
    #[garde(skip)]
    quiet_hours: Value,
    /// A split test: `{"template", "variables", "split_percent"}` or null.
    #[serde(default)]
    #[garde(skip)]
    variant_b: Value,
}

/// A template by name and language.
#[derive(Deserialize, garde::Validate)]
pub struct TemplateName {
    #[garde(length(chars, min = 1, max = 512))]
    name: String,
    #[garde(length(chars, min = 1, max = 20))]
    language: String,
}

/// A campaign with its counts.
#[derive(serde::Serialize)]
struct Detail {
    #[serde(flatten)]
    campaign: CampaignView,
    stats: CampaignStats,
}

fn from_launch(e: LaunchError) -> ApiError {
    match e {
        LaunchError::TemplateNotApproved(message) => ApiError::Unprocessable { code: ErrorCode::TemplateNotApproved, message },
        LaunchError::Invalid(message) => ApiError::Unprocessable { code: ErrorCode::TemplateParams, message },
        LaunchError::NotInPlan(e) => e.into(),
        LaunchError::Db(e) => e.into(),
    }
}

fn state_conflict(c: &CampaignView, action: &str, allowed: &str) -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::CampaignState,
        message: format!("the campaign is {}; only a {allowed} campaign can be {action}", c.status.as_str()),
    }
}

/// Checks a body against the tenant's number and template; the draft to
/// store. `stored_csv` is the draft's uploaded audience, kept when the body
/// names a CSV audience.
async fn draft(db: TenantDb<'_>, b: CampaignBody, stored_csv: Option<Value>) -> Result<CampaignDraft, ApiError> {
    let channel = db.channels().get(ChannelId(b.channel_id)).await?.ok_or_else(|| ApiError::Unprocessable {
        code: ErrorCode::NoChannel,
        message: "`channel_id` is not a number of this account; connect it first or pick one from GET /api/v1/channels".into(),
    })?;
    let number_rate = channel.messages_per_second;
    let rate_mps = b.rate_mps.unwrap_or(number_rate);
    if rate_mps > number_rate {
        return Err(ApiError::validation(format!(
            "`rate_mps` is {rate_mps} but the number sends at most {number_rate} messages per second; lower it (or raise the number's rate)"
        )));
    }
    // What the audience is, checked; a CSV keeps the uploaded file's
    // columns and a retarget the earlier campaign's, whatever the body says.
    let audience = match launch::audience_spec(&b.audience).map_err(ApiError::validation)? {
        // The tag rule contacts follow (length, count).
        launch::AudienceSpec::Contacts { tags, .. } => {
            crate::http::contacts::clean_tags(&tags)?;
            b.audience.clone()
        }
        launch::AudienceSpec::Segment(id) => {
            if db.segments().rule(id).await?.is_none() {
                return Err(ApiError::validation(
                    "`audience.segment_id` is not a segment of this account; pick one from GET /api/v1/contacts/segments",
                ));
            }
            // Stored in one spelling, which the segment's delete guard compares.
            json!({"segment_id": id})
        }
        launch::AudienceSpec::Retarget { campaign_id, rule } => {
            let source = db
                .campaigns()
                .get(CampaignId(campaign_id))
                .await?
                .ok_or_else(|| ApiError::validation("`audience.retarget.campaign_id` is not a campaign of this account"))?;
            rule.audience(source.id.0, launch::csv_columns(&source.audience))
        }
        launch::AudienceSpec::Csv => stored_csv.unwrap_or_else(|| json!({"csv": {"rows": 0, "columns": []}})),
    };
    let template = TemplateRef { name: b.template.name.trim().to_owned(), language: b.template.language.trim().to_owned() };
    let columns = launch::csv_columns(&audience);
    let (category, components) = sendable_template(db, &template, &channel.waba_id).await?;
    audience::parse_variables(&b.variables, &audience::placeholders(&components), columns.as_deref())
        .map_err(|message| ApiError::Unprocessable { code: ErrorCode::TemplateParams, message })?;
    let variant_b = match VariantB::parse(&b.variant_b).map_err(ApiError::validation)? {
        None => None,
        Some(vb) => {
            let (category_b, components_b) = sendable_template(db, &vb.template, &channel.waba_id).await?;
            let category_of = |c: &Option<String>| c.as_deref().unwrap_or("UNKNOWN").to_uppercase();
            if category_of(&category_b) != category_of(&category) {
                return Err(ApiError::Unprocessable {
                    code: ErrorCode::TemplateParams,
                    message: format!(
                        "variant B's template `{}` is {} but `{}` is {}; a split test compares templates of one category",
                        vb.template.name,
                        category_of(&category_b),
                        template.name,
                        category_of(&category)
                    ),
                });
            }
            audience::parse_variables(&vb.variables, &audience::placeholders(&components_b), columns.as_deref())
                .map_err(|message| ApiError::Unprocessable { code: ErrorCode::TemplateParams, message: format!("variant B: {message}") })?;
            Some(vb.to_json())
        }
    };
    let timezone = match b.timezone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
        None => "UTC".to_owned(),
        Some(z) => local_time::parse_zone(z)
            .map(|tz| tz.name().to_owned())
            .ok_or_else(|| ApiError::validation(format!("`timezone` `{z}` is not a time zone; use an IANA name like Asia/Kolkata")))?,
    };
    let quiet_hours = QuietHours::parse(&b.quiet_hours).map_err(ApiError::validation)?.map(QuietHours::to_json);
    Ok(CampaignDraft {
        name: b.name.trim().to_owned(),
        channel_id: ChannelId(b.channel_id),
        template,
        variables: if b.variables.is_null() { json!({}) } else { b.variables },
        audience,
        rate_mps,
        timezone,
        quiet_hours,
        variant_b,
    })
}

/// A template of the number's WhatsApp Business Account in a shape
/// campaigns send: its category and components.
pub(crate) async fn sendable_template(
    db: TenantDb<'_>,
    template: &TemplateRef,
    waba_id: &str,
) -> Result<(Option<String>, Value), ApiError> {
    let Some((_, category, components, waba)) = db.campaigns().template_state(template).await? else {
        return Err(ApiError::Unprocessable {
            code: ErrorCode::TemplateNotApproved,
            message: format!(
                "there is no template `{}` in `{}`; create it (or sync templates from Meta) first",
                template.name, template.language
            ),
        });
    };
    if waba != waba_id {
        return Err(ApiError::Unprocessable {
            code: ErrorCode::TemplateNotApproved,
            message: format!(
                "the template `{}` belongs to WhatsApp Business Account {waba}, not to this number's ({waba_id}); pick a number of that account or a template of this one",
                template.name
            ),
        });
    }
    audience::supported(&components).map_err(|message| ApiError::Unprocessable { code: ErrorCode::TemplateParams, message })?;
    Ok((category, components))
}

async fn found(db: TenantDb<'_>, id: CampaignId) -> Result<CampaignView, ApiError> {
    db.campaigns().get(id).await?.ok_or(ApiError::NotFound("campaign"))
}

async fn detail(db: TenantDb<'_>, campaign: CampaignView) -> Result<HttpResponse, ApiError> {
    let stats = db.campaigns().stats(campaign.id).await?;
    Ok(HttpResponse::Ok().json(Detail { campaign, stats }))
}

/// `GET /campaigns` query.
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Campaigns, newest first, each with its counts: broadcasts, or drip
/// sequences with `?type=drip`.
pub async fn list(state: web::Data<AppState>, user: Reader, q: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    match q.kind.as_deref() {
        None | Some("broadcast") => {}
        Some("drip") => return drips::list(&state, &user).await,
        Some(_) => return Err(ApiError::validation("`type` must be broadcast or drip")),
    }
    let db = state.db.tenant(user.tenant_id);
    let mut out = Vec::new();
    for campaign in db.campaigns().list(100).await? {
        let stats = db.campaigns().stats(campaign.id).await?;
        out.push(Detail { campaign, stats });
    }
    Ok(HttpResponse::Ok().json(json!({"data": out, "next_cursor": null})))
}

/// Writes a draft (a broadcast, or a drip sequence with `"type": "drip"`).
pub async fn create(state: web::Data<AppState>, user: Manager, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if drips::is_drip(&body) {
        return drips::create(&state, &user, &body).await;
    }
    let body: CampaignBody = valid::from_value(body)?;
    let db = state.db.tenant(user.tenant_id);
    db.plan_includes(Feature::Broadcasts).await??;
    let d = draft(db, body, None).await?;
    let by = user.api_key.is_none().then_some(user.user_id);
    Ok(HttpResponse::Created().json(db.campaigns().create(&d, by).await?))
}

/// One campaign with its counts.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<CampaignId>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let c = found(db, *path).await?;
    if c.kind == "drip" {
        return drips::get(&state, &user, c.id).await;
    }
    detail(db, c).await
}

/// Rewrites a draft.
pub async fn update(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<CampaignId>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let c = found(db, *path).await?;
    if c.kind == "drip" {
        return drips::update(&state, &user, c.id, &body).await;
    }
    let body: CampaignBody = valid::from_value(body.into_inner())?;
    if c.status != CampaignStatus::Draft {
        return Err(state_conflict(&c, "edited", "draft"));
    }
    let stored_csv = c.audience.get("csv").is_some().then(|| c.audience.clone());
    let d = draft(db, body, stored_csv).await?;
    match db.campaigns().update_draft(c.id, &d).await? {
        Some(updated) => Ok(HttpResponse::Ok().json(updated)),
        None => Err(state_conflict(&found(db, c.id).await?, "edited", "draft")),
    }
}

/// `POST /campaigns/{id}/retarget`.
#[derive(Deserialize, garde::Validate)]
pub struct RetargetBody {
    #[garde(length(chars, min = 1, max = 40))]
    rule: String,
    #[serde(default)]
    #[garde(skip)]
    after_hours: Option<i64>,
    #[serde(default)]
    #[garde(inner(length(chars, max = 200), custom(not_blank)))]
    name: Option<String>,
}

/// A new draft for the recipients of a launched campaign whom the rule
/// reaches again (same number, template and variables; edit it before
/// starting).
pub async fn retarget(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<CampaignId>,
    body: Valid<RetargetBody>,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let source = found(db, *path).await?;
    drips::broadcast_only(&source.kind, "retargeted")?;
    if matches!(source.status, CampaignStatus::Draft | CampaignStatus::Scheduled) {
        return Err(state_conflict(&source, "retargeted", "started, paused, completed or cancelled"));
    }
    let b = body.0;
    let rule = RetargetRule::parse(&b.rule, b.after_hours).map_err(ApiError::validation)?;
    let name = match b.name {
        Some(n) => n.trim().to_owned(),
        None => {
            let n = format!("{} — {}", source.name, rule.describe());
            n.chars().take(200).collect()
        }
    };
    let d = CampaignDraft {
        name,
        channel_id: source.channel_id,
        template: source.template.clone(),
        variables: source.variables.clone(),
        audience: rule.audience(source.id.0, launch::csv_columns(&source.audience)),
        rate_mps: source.rate_mps,
        timezone: source.timezone.clone(),
        quiet_hours: source.quiet_hours.clone(),
        variant_b: source.variant_b.clone(),
    };
    let by = user.api_key.is_none().then_some(user.user_id);
    Ok(HttpResponse::Created().json(db.campaigns().create(&d, by).await?))
}

/// Deletes a campaign that is not sending.
pub async fn delete(state: web::Data<AppState>, user: Manager, path: web::Path<CampaignId>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let c = found(db, *path).await?;
    if db.campaigns().delete(c.id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(state_conflict(&c, "deleted", "draft, scheduled, completed or cancelled"))
    }
}

/// What starting would do: who is reached, who is skipped and why, three
/// recipients' messages, the cost and how long it takes.
pub async fn preview(state: web::Data<AppState>, user: Manager, path: web::Path<CampaignId>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let c = found(db, *path).await?;
    drips::broadcast_only(&c.kind, "previewed")?;
    let template = launch::approved_template(db, &c).await.map_err(from_launch)?;
    let recipients = launch::resolve(db, &c, &template, false).await.map_err(from_launch)?;
    let mut skipped = std::collections::BTreeMap::<String, i64>::new();
    let mut skipped_rows = Vec::new();
    for r in recipients.iter() {
        if let Some(reason) = r.skip_reason {
            *skipped.entry(reason.as_str().to_owned()).or_default() += 1;
            if skipped_rows.len() < 50 {
                skipped_rows.push(PreviewSkip { contact_id: r.contact_id, phone: r.phone.clone(), reason, line: r.line });
            }
        }
    }
    let sendable: Vec<_> = recipients.iter().filter(|r| r.skip_reason.is_none()).collect();
    // Three samples; with a split test, two of A and one of B.
    let b = launch::variant_b(db, &c).await.map_err(from_launch)?;
    let b_samples = if b.is_some() { 1 } else { 0 };
    let of = |v: Variant, n: usize| sendable.iter().filter(move |r| r.variant == v).take(n);
    let samples = of(Variant::A, 3 - b_samples)
        .chain(of(Variant::B, b_samples))
        .map(|r| PreviewSample {
            contact_id: r.contact_id,
            phone: r.phone.clone(),
            text: match (&b, r.variant) {
                (Some((_, facts)), Variant::B) => audience::render(&facts.components, &r.parameters),
                _ => audience::render(&template.components, &r.parameters),
            },
            variant: r.variant,
        })
        .collect();
    let (currency, rate_e4) = db.campaigns().rate_e4(if template.marketing { "marketing" } else { "utility" }).await?;
    let count = i64::try_from(sendable.len()).unwrap_or(i64::MAX);
    let seconds = (count + i64::from(c.rate_mps) - 1) / i64::from(c.rate_mps.max(1));
    Ok(HttpResponse::Ok().json(CampaignPreview {
        audience: i64::try_from(recipients.len()).unwrap_or(i64::MAX),
        sendable: count,
        skipped,
        skipped_rows,
        samples,
        estimated_cost: Cost::from_e4(currency, rate_e4 * count),
        estimated_seconds: seconds,
        estimated_finish_at: Utc::now() + chrono::Duration::seconds(seconds),
    }))
}

/// What starting a campaign would do (`GET /campaigns/{id}/preview`).
#[derive(Debug, serde::Serialize, ts_rs::TS)]
pub struct CampaignPreview {
    /// Everyone the audience names.
    pub audience: i64,
    /// Those a message goes to.
    pub sendable: i64,
    /// Skipped recipients per reason.
    pub skipped: std::collections::BTreeMap<String, i64>,
    /// The first skipped recipients (at most 50), with their reason.
    pub skipped_rows: Vec<PreviewSkip>,
    /// Up to three recipients' messages as they will read them.
    pub samples: Vec<PreviewSample>,
    /// The audience's cost at the rate card's rate for the template's category.
    pub estimated_cost: Cost,
    /// Seconds it takes at the campaign's rate.
    pub estimated_seconds: i64,
    /// When it would be done if started now.
    pub estimated_finish_at: DateTime<Utc>,
}

/// A skipped recipient in a preview.
#[derive(Debug, serde::Serialize, ts_rs::TS)]
pub struct PreviewSkip {
    /// Their contact.
    pub contact_id: Option<whatsflow_actors::ids::ContactId>,
    /// Their number.
    pub phone: Option<String>,
    /// Why skipped.
    pub reason: crate::store::repo::campaigns::SkipReason,
    /// Its line in an uploaded CSV audience.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub line: Option<i32>,
}

/// A recipient's message in a preview, as they would read it.
#[derive(Debug, serde::Serialize, ts_rs::TS)]
pub struct PreviewSample {
    /// Their contact.
    pub contact_id: Option<whatsflow_actors::ids::ContactId>,
    /// Their number.
    pub phone: Option<String>,
    /// The rendered text.
    pub text: String,
    /// Which template it is.
    pub variant: Variant,
}

/// Most bytes of an uploaded audience.
const MAX_CSV_BYTES: usize = 16 * 1024 * 1024;

/// What an audience upload made of the file.
#[derive(Debug, serde::Serialize, ts_rs::TS)]
pub struct CsvAudienceReport {
    /// Lines accepted as recipients.
    pub accepted: i64,
    /// Lines rejected (all counted).
    pub rejected_count: i64,
    /// The first rejected lines, with why.
    pub rejected: Vec<crate::campaigns::csv::RejectedLine>,
    /// The variable columns the template can use.
    pub columns: Vec<String>,
}

/// `POST /campaigns/{id}/audience/csv`: the audience as a CSV (a `phone`
/// column and the variables), replacing an earlier upload of the draft.
pub async fn upload_csv(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<CampaignId>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    use futures::StreamExt;
    let db = state.db.tenant(user.tenant_id);
    let c = found(db, *path).await?;
    drips::broadcast_only(&c.kind, "given an audience file")?;
    if c.status != CampaignStatus::Draft {
        return Err(state_conflict(&c, "given a new audience", "draft"));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest { code: ErrorCode::InvalidCsv, message: format!("the upload broke off: {e}") })?;
        if bytes.len() + chunk.len() > MAX_CSV_BYTES {
            return Err(ApiError::PayloadTooLarge(format!("an audience file is limited to {MAX_CSV_BYTES} bytes; split the campaign")));
        }
        bytes.extend_from_slice(&chunk);
    }
    let parsed = tokio::task::spawn_blocking(move || crate::campaigns::csv::parse(&bytes))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv parser: {e}")))?
        .map_err(|message| ApiError::BadRequest { code: ErrorCode::InvalidCsv, message })?;
    if !db.campaigns().set_csv_audience(c.id, &parsed.columns, &parsed.rows).await? {
        return Err(state_conflict(&found(db, c.id).await?, "given a new audience", "draft"));
    }
    let rejected_count = i64::try_from(parsed.rejected.len()).unwrap_or(i64::MAX);
    Ok(HttpResponse::Ok().json(CsvAudienceReport {
        accepted: i64::try_from(parsed.rows.len()).unwrap_or(i64::MAX),
        rejected_count,
        rejected: parsed.rejected.into_iter().take(crate::campaigns::csv::MAX_REPORTED).collect(),
        columns: parsed.columns,
    }))
}

/// `POST /campaigns/{id}/schedule`: a moment, or a wall-clock time in each
/// recipient's own zone.
#[derive(Deserialize)]
pub struct ScheduleBody {
    #[serde(default)]
    at: Option<DateTime<Utc>>,
    #[serde(default)]
    local: Option<Value>,
}

/// Schedules a draft to start at a time.
pub async fn schedule(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<CampaignId>,
    body: web::Json<ScheduleBody>,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let c = found(db, *path).await?;
    drips::broadcast_only(&c.kind, "scheduled")?;
    let now = Utc::now();
    let (at, local) = match (body.at, &body.local) {
        (Some(at), None) => {
            if at <= now {
                return Err(ApiError::validation(
                    "`at` is in the past; give a future time (ISO 8601 with a zone), or start the campaign now",
                ));
            }
            (at, None)
        }
        (None, Some(l)) => {
            let local = LocalSend::parse(l).map_err(ApiError::validation)?;
            if local.last_due() <= now {
                return Err(ApiError::validation(
                    "that local time has passed everywhere; give a later `local.date` or `local.time`, or start the campaign now",
                ));
            }
            // It starts when the first recipient anywhere is due; those
            // whose time has passed by then are sent at once.
            (local.first_due().max(now), Some(local.to_json()))
        }
        _ => return Err(ApiError::validation("send either `at` (a moment) or `local` ({\"date\", \"time\"} in each recipient's zone)")),
    };
    let template = launch::approved_template(db, &c).await.map_err(from_launch)?;
    launch::sources(&c, &template).map_err(from_launch)?;
    match db.campaigns().schedule(c.id, at, local).await? {
        Some(s) => Ok(HttpResponse::Ok().json(s)),
        None => Err(state_conflict(&c, "scheduled", "draft")),
    }
}

/// Starts a draft (or a scheduled one now).
pub async fn start(state: web::Data<AppState>, user: Manager, path: web::Path<CampaignId>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    db.plan_includes(Feature::Broadcasts).await??;
    let c = found(db, *path).await?;
    if c.kind == "drip" {
        return drips::run(&state, &user, c.id, CampaignStatus::Draft).await;
    }
    if !matches!(c.status, CampaignStatus::Draft | CampaignStatus::Scheduled) {
        return Err(state_conflict(&c, "started", "draft or scheduled"));
    }
    match runner::start(db, &c).await.map_err(from_launch)? {
        Some(started) => {
            state.campaigns.drive(user.tenant_id, started.id);
            detail(db, started).await
        }
        None => Err(state_conflict(&found(db, c.id).await?, "started", "draft or scheduled")),
    }
}

async fn transition(
    state: &AppState,
    tenant: TenantId,
    id: CampaignId,
    from: &[&str],
    to: CampaignStatus,
    action: &str,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(tenant);
    let c = found(db, id).await?;
    match db.campaigns().transition(id, from, to, None, None).await? {
        Some(changed) => {
            if to == CampaignStatus::Running {
                state.campaigns.drive(tenant, id);
            }
            detail(db, changed).await
        }
        None => Err(state_conflict(&c, action, &from.join(" or "))),
    }
}

/// Pauses a running campaign: nothing more is handed over (what Meta
/// already took is delivered).
pub async fn pause(state: web::Data<AppState>, user: Manager, path: web::Path<CampaignId>) -> Result<HttpResponse, ApiError> {
    if is_sequence(&state, user.tenant_id, *path).await? {
        return drips::stop(&state, &user, *path, CampaignStatus::Paused).await;
    }
    transition(&state, user.tenant_id, *path, &["running"], CampaignStatus::Paused, "paused").await
}

/// Resumes a paused campaign where it stopped (its template must be
/// approved again if that is why it paused).
pub async fn resume(state: web::Data<AppState>, user: Manager, path: web::Path<CampaignId>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let c = found(db, *path).await?;
    if c.kind == "drip" {
        return drips::run(&state, &user, c.id, CampaignStatus::Paused).await;
    }
    if c.status == CampaignStatus::Paused {
        db.plan_includes(Feature::Broadcasts).await??;
        launch::approved_template(db, &c).await.map_err(from_launch)?;
    }
    transition(&state, user.tenant_id, c.id, &["paused"], CampaignStatus::Running, "resumed").await
}

/// Cancels a campaign; recipients not yet handed over are cancelled.
pub async fn cancel(state: web::Data<AppState>, user: Manager, path: web::Path<CampaignId>) -> Result<HttpResponse, ApiError> {
    if is_sequence(&state, user.tenant_id, *path).await? {
        return drips::stop(&state, &user, *path, CampaignStatus::Cancelled).await;
    }
    transition(&state, user.tenant_id, *path, &["draft", "scheduled", "running", "paused"], CampaignStatus::Cancelled, "cancelled").await
}

/// Whether a campaign is a drip sequence (404 when there is none).
async fn is_sequence(state: &AppState, tenant: TenantId, id: CampaignId) -> Result<bool, ApiError> {
    Ok(found(state.db.tenant(tenant), id).await?.kind == "drip")
}

/// The counts.
pub async fn stats(state: web::Data<AppState>, user: Reader, path: web::Path<CampaignId>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let c = found(db, *path).await?;
    if let Some(d) = db.drips().get(c.id).await? {
        return Ok(HttpResponse::Ok().json(db.drips().stats(&d).await?));
    }
    Ok(HttpResponse::Ok().json(db.campaigns().stats(c.id).await?))
}

/// `GET /campaigns/{id}/messages` query.
#[derive(Deserialize)]
pub struct RecipientsQuery {
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Statuses a recipient can be in.
const RECIPIENT_STATUSES: [&str; 10] =
    ["pending", "sending", "accepted", "sent", "delivered", "read", "failed", "unconfirmed", "skipped", "cancelled"];

/// Per-recipient results in audience order.
pub async fn messages(
    state: web::Data<AppState>,
    user: Reader,
    path: web::Path<CampaignId>,
    q: web::Query<RecipientsQuery>,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let c = found(db, *path).await?;
    drips::broadcast_only(&c.kind, "listed by recipient (see its enrollments)")?;
    if let Some(s) = q.status.as_deref() {
        if !RECIPIENT_STATUSES.contains(&s) {
            return Err(ApiError::validation(format!("`status` must be one of {}", RECIPIENT_STATUSES.join(", "))));
        }
    }
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(c.parse::<i32>().map_err(|_| ApiError::BadRequest {
            code: ErrorCode::InvalidCursor,
            message: "`cursor` is not one this API returned; start again without it".into(),
        })?),
    };
    let limit = pagination::limit(q.limit)?;
    let (rows, next) = db.campaigns().recipients(c.id, q.status.as_deref(), after, limit).await?;
    Ok(HttpResponse::Ok().json(json!({"data": rows, "next_cursor": next.map(|n| n.to_string())})))
}

/// Every recipient's result as CSV.
pub async fn export(state: web::Data<AppState>, user: Manager, path: web::Path<CampaignId>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let c = found(db, *path).await?;
    drips::broadcast_only(&c.kind, "exported by recipient (see its enrollments)")?;
    state.db.audit().append(crate::audit::Entry::by(&user, "campaign.exported").target(format!("campaign:{}", c.id))).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| ApiError::Internal(e.into());
    w.write_record([
        "phone",
        "contact_id",
        "status",
        "skip_reason",
        "wamid",
        "error_code",
        "error_title",
        "sent_at",
        "delivered_at",
        "read_at",
        "replied_at",
        "clicked",
        "cost",
    ])
    .map_err(csv_err)?;
    let mut after = None;
    loop {
        let (rows, next) = db.campaigns().recipients(c.id, None, after, 1_000).await?;
        for r in rows {
            let t = |d: Option<DateTime<Utc>>| d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default();
            let cost = format!("{}.{:04}", r.cost_e4 / 10_000, r.cost_e4 % 10_000);
            let record = [
                r.phone.unwrap_or_default(),
                r.contact_id.map(|c| c.to_string()).unwrap_or_default(),
                r.status,
                r.skip_reason.unwrap_or_default(),
                r.wamid.unwrap_or_default(),
                r.error.as_ref().map(|e| e.code.to_string()).unwrap_or_default(),
                r.error.map(|e| e.title).unwrap_or_default(),
                t(r.sent_at),
                t(r.delivered_at),
                t(r.read_at),
                t(r.replied_at),
                r.clicked.unwrap_or_default(),
                cost,
            ];
            w.write_record(record.map(crate::http::contacts_csv::spreadsheet_safe)).map_err(csv_err)?;
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let bytes = w.into_inner().map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?;
    let filename = format!("campaign-{}.csv", c.id);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")))
        .body(bytes))
}
