//! GDPR tools for a tenant admin: one contact's data as JSON and its
//! erasure, the whole account as a zip of JSON files, and the account's
//! deletion after a grace period (cancellable until then).

use crate::audit::{Actor, Entry};
use crate::auth::Admin;
use crate::http::error::ApiError;
use crate::startup::AppState;
use crate::store::repo::gdpr::{erase_inbox_mentions, EXPORT_TABLES};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use std::io::Write;
use whatsflow_actors::ids::ContactId;

/// Days between asking for an account's deletion and the deletion.
pub const DELETION_GRACE_DAYS: i64 = 30;

/// One contact's data, as a JSON download.
pub async fn export_contact(state: web::Data<AppState>, user: Admin, path: web::Path<ContactId>) -> Result<HttpResponse, ApiError> {
    let data = state.db.tenant(user.tenant_id).contact_export(*path).await?.ok_or(ApiError::NotFound("contact"))?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "contact.exported").target(format!("contact:{}", path.0));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().insert_header(("Content-Disposition", format!("attachment; filename=\"contact-{}.json\"", path.0))).json(data))
}

/// Erases a contact (see `TenantDb::erase_contact`); the erasure itself is
/// audited without personal data. The customer writing again starts afresh.
pub async fn erase_contact(state: web::Data<AppState>, user: Admin, path: web::Path<ContactId>) -> Result<HttpResponse, ApiError> {
    let (mut erased, fields, numbers) = state.db.tenant(user.tenant_id).erase_contact(*path).await?.ok_or(ApiError::NotFound("contact"))?;
    state.forget(crate::cluster::forget::Forget::Contact(user.tenant_id, *path));
    erased.webhooks = erase_inbox_mentions(&state.pool, &fields, &numbers).await?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "contact.erased").target(format!("contact:{}", path.0));
    state.db.audit().append(entry.change(None, serde_json::to_value(&erased).ok())).await?;
    Ok(HttpResponse::Ok().json(json!({"erased": erased})))
}

/// The whole account as a zip: one JSON-lines file per table (secrets and
/// password hashes left out) and a manifest.
pub async fn export_account(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut manifest = serde_json::Map::new();
    let zip_err = |e: zip::result::ZipError| ApiError::Internal(e.into());
    for (table, hidden) in EXPORT_TABLES {
        let rows = db.export_table(table, hidden).await?;
        manifest.insert((*table).to_owned(), json!(rows.len()));
        zip.start_file(format!("{table}.jsonl"), options).map_err(zip_err)?;
        for row in rows {
            zip.write_all(row.as_bytes()).map_err(|e| ApiError::Internal(e.into()))?;
            zip.write_all(b"\n").map_err(|e| ApiError::Internal(e.into()))?;
        }
    }
    zip.start_file("manifest.json", options).map_err(zip_err)?;
    let manifest = json!({"tenant_id": user.tenant_id.0, "exported_at": chrono::Utc::now(), "rows": manifest,
                          "format": "one JSON object per line per table; secrets and password hashes are never exported"});
    zip.write_all(manifest.to_string().as_bytes()).map_err(|e| ApiError::Internal(e.into()))?;
    zip.finish().map_err(zip_err)?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "account.exported").target(format!("tenant:{}", user.tenant_id.0));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(("Content-Disposition", "attachment; filename=\"whatsflow-export.zip\""))
        .body(buf.into_inner()))
}

/// When the account is due to be deleted.
pub async fn deletion(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(json!({"scheduled_for": state.db.tenant(user.tenant_id).deletion_due().await?, "grace_days": DELETION_GRACE_DAYS})))
}

/// `POST /account/deletion`.
#[derive(Deserialize)]
pub struct DeletionBody {
    confirm: String,
}

/// Schedules the account's deletion in [`DELETION_GRACE_DAYS`]; `confirm`
/// must be the account's name.
pub async fn schedule_deletion(state: web::Data<AppState>, user: Admin, body: web::Json<DeletionBody>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let tenant_name = state.db.admin().tenant(user.tenant_id).await?.map(|t| t.name).unwrap_or_default();
    if let Some(sub) = db
        .current_subscription()
        .await?
        .filter(|s| matches!(s.status.as_str(), "created" | "authenticated" | "active" | "pending" | "halted"))
    {
        return Err(ApiError::Conflict {
            code: crate::http::error::ErrorCode::SubscriptionExists,
            message: format!(
                "the account's subscription ({}) is {}; cancel it in Billing before deleting the account",
                sub.plan_code, sub.status
            ),
        });
    }
    if body.confirm.trim() != tenant_name {
        return Err(ApiError::validation(format!("type the account's name, `{tenant_name}`, in `confirm` to schedule its deletion")));
    }
    let at = chrono::Utc::now() + chrono::Duration::days(DELETION_GRACE_DAYS);
    db.schedule_deletion(Some(at)).await?;
    let entry =
        Entry::new(Some(user.tenant_id), Actor::from(&*user), "account.deletion_scheduled").target(format!("tenant:{}", user.tenant_id.0));
    state.db.audit().append(entry.change(None, Some(json!({"scheduled_for": at})))).await?;
    Ok(HttpResponse::Accepted().json(json!({"scheduled_for": at, "grace_days": DELETION_GRACE_DAYS})))
}

/// Cancels a scheduled deletion.
pub async fn cancel_deletion(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    if db.deletion_due().await?.is_none() {
        return Err(ApiError::NotFound("scheduled deletion"));
    }
    db.schedule_deletion(None).await?;
    let entry =
        Entry::new(Some(user.tenant_id), Actor::from(&*user), "account.deletion_cancelled").target(format!("tenant:{}", user.tenant_id.0));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(json!({"scheduled_for": null})))
}
