//! `/api/v1/teams`: groups of agents that conversations belong to, each
//! with its assignment rule (manual, round robin or least busy) and a cap
//! on open conversations per member. Everyone may read them (the inbox
//! filters by team); admins change them.

use crate::auth::{Admin, Person};
use crate::http::error::ApiError;
use crate::startup::AppState;
use crate::store::repo::teams::{TeamFields, TeamWrite};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// `POST /teams` and `PATCH /teams/{id}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    member_ids: Option<Vec<uuid::Uuid>>,
    #[serde(default)]
    assignment: Option<String>,
    #[serde(default, deserialize_with = "crate::http::valid::double_option")]
    max_open_per_agent: Option<Option<i32>>,
}

/// Most members one team lists.
const MAX_MEMBERS: usize = 500;

fn fields(body: TeamBody, creating: bool) -> Result<TeamFields, ApiError> {
    let name = match body.name.as_deref().map(str::trim) {
        Some(n) if n.is_empty() || n.chars().count() > 80 => return Err(ApiError::validation("`name` must be 1 to 80 characters")),
        Some(n) => Some(n.to_owned()),
        None if creating => return Err(ApiError::validation("`name` is required")),
        None => None,
    };
    if let Some(a) = body.assignment.as_deref() {
        if !matches!(a, "manual" | "round_robin" | "least_busy") {
            return Err(ApiError::validation("`assignment` must be manual, round_robin or least_busy"));
        }
    }
    if let Some(Some(cap)) = body.max_open_per_agent {
        if !(1..=1000).contains(&cap) {
            return Err(ApiError::validation("`max_open_per_agent` must be 1 to 1000, or null for no cap"));
        }
    }
    let member_ids = body.member_ids.map(|mut ids| {
        ids.sort();
        ids.dedup();
        ids
    });
    if member_ids.as_ref().is_some_and(|m| m.len() > MAX_MEMBERS) {
        return Err(ApiError::validation(format!("a team has at most {MAX_MEMBERS} members")));
    }
    Ok(TeamFields { name, assignment: body.assignment, max_open_per_agent: body.max_open_per_agent, member_ids })
}

fn written(w: TeamWrite) -> Result<serde_json::Value, ApiError> {
    match w {
        TeamWrite::Done(view) => serde_json::to_value(*view).map_err(|e| ApiError::Internal(e.into())),
        TeamWrite::NotFound => Err(ApiError::NotFound("team")),
        TeamWrite::UnknownMembers(ids) => Err(ApiError::validation(format!(
            "`member_ids` has ids that are not people of this account: {}",
            ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Every team with its members and their open conversations.
pub async fn list(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    let data = state.db.tenant(user.tenant_id).teams().list().await?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// One team.
pub async fn get(state: web::Data<AppState>, user: Person, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let team = state.db.tenant(user.tenant_id).teams().get(*path).await?.ok_or(ApiError::NotFound("team"))?;
    Ok(HttpResponse::Ok().json(team))
}

/// Creates a team.
pub async fn create(state: web::Data<AppState>, user: Admin, body: web::Json<TeamBody>) -> Result<HttpResponse, ApiError> {
    let f = fields(body.into_inner(), true)?;
    let team = written(state.db.tenant(user.tenant_id).teams().save(None, f).await?)?;
    let entry = crate::audit::Entry::by(&user, "team.created").target(format!("team:{}", team["id"].as_str().unwrap_or_default())).change(
        None,
        Some(json!({"name": team["name"], "assignment": team["assignment"], "members": team["members"].as_array().map_or(0, Vec::len)})),
    );
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Created().json(team))
}

/// Changes a team's name, rule, cap or members (the list replaces the old one).
pub async fn update(
    state: web::Data<AppState>,
    user: Admin,
    path: web::Path<uuid::Uuid>,
    body: web::Json<TeamBody>,
) -> Result<HttpResponse, ApiError> {
    let f = fields(body.into_inner(), false)?;
    let team = written(state.db.tenant(user.tenant_id).teams().save(Some(*path), f).await?)?;
    let entry = crate::audit::Entry::by(&user, "team.updated").target(format!("team:{}", *path)).change(
        None,
        Some(json!({"name": team["name"], "assignment": team["assignment"], "max_open_per_agent": team["max_open_per_agent"]})),
    );
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(team))
}

/// Deletes a team; its conversations keep their assignees.
pub async fn delete(state: web::Data<AppState>, user: Admin, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    if !state.db.tenant(user.tenant_id).teams().delete(*path).await? {
        return Err(ApiError::NotFound("team"));
    }
    state.db.audit().append(crate::audit::Entry::by(&user, "team.deleted").target(format!("team:{}", *path))).await?;
    Ok(HttpResponse::NoContent().finish())
}
