//! Canned replies: shared ones (no owner) that admins keep, and each
//! person's own; found by `/shortcut` in the composer.

use super::{Conflict, DbError, TenantDb};
use chrono::{DateTime, Utc};
use serde_json::Value;
use whatsflow_actors::ids::UserId;

/// A canned reply as listed.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct CannedReply {
    /// Id.
    pub id: uuid::Uuid,
    /// What follows the `/` (lower case).
    pub shortcut: String,
    /// The text, with `{{contact.name}}`-style variables.
    pub text: String,
    /// `shared` or `personal`.
    pub scope: String,
    /// Its owner (personal ones).
    pub owner_id: Option<uuid::Uuid>,
    /// `{"type", "link", "filename"?}` sent with it.
    #[ts(type = "{ type: \"image\" | \"document\" | \"video\" | \"audio\"; link: string; filename?: string } | null")]
    pub attachment: Option<Value>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// The fields of a reply to store (absent in a change: unchanged).
#[derive(Debug, Clone, Default)]
pub struct CannedFields {
    /// Shortcut.
    pub shortcut: Option<String>,
    /// Text.
    pub text: Option<String>,
    /// Attachment (Some(None): remove it).
    pub attachment: Option<Option<Value>>,
}

/// Most canned replies one account keeps (shared and personal together).
pub const MAX_CANNED: i64 = 1000;

const COLUMNS: &str = "id, shortcut, text, CASE WHEN owner_id IS NULL THEN 'shared' ELSE 'personal' END AS scope, owner_id, attachment,
    created_at, updated_at";

/// What creating a reply did.
#[derive(Debug, Clone)]
pub enum CannedCreated {
    /// Stored.
    Done(Box<CannedReply>),
    /// The account keeps [`MAX_CANNED`] already.
    TooMany,
}

/// A tenant's canned replies.
pub struct Canned<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Canned<'_> {
    /// The shared replies and `viewer`'s own, by shortcut; optionally those
    /// whose shortcut or text contains `search`.
    pub async fn list(&self, viewer: UserId, search: Option<&str>) -> Result<Vec<CannedReply>, DbError> {
        let mut tx = self.db.tx().await?;
        let pattern = search.map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        let rows = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM canned_replies WHERE (owner_id IS NULL OR owner_id = $1)
               AND ($2::text IS NULL OR shortcut ILIKE $2 OR text ILIKE $2)
             ORDER BY shortcut, owner_id NULLS FIRST LIMIT 1000"
        ))
        .bind(viewer.0)
        .bind(pattern)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One reply the viewer may use.
    pub async fn get(&self, viewer: UserId, id: uuid::Uuid) -> Result<Option<CannedReply>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!("SELECT {COLUMNS} FROM canned_replies WHERE id = $1 AND (owner_id IS NULL OR owner_id = $2)"))
            .bind(id)
            .bind(viewer.0)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Stores a reply: shared (`owner` None) or `owner`'s own.
    pub async fn create(&self, owner: Option<UserId>, created_by: UserId, f: CannedFields) -> Result<CannedCreated, DbError> {
        let mut tx = self.db.tx().await?;
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM canned_replies").fetch_one(&mut *tx).await?;
        if n >= MAX_CANNED {
            return Ok(CannedCreated::TooMany);
        }
        let shortcut = f.shortcut.unwrap_or_default();
        let row = sqlx::query_as(&format!(
            "INSERT INTO canned_replies (id, tenant_id, owner_id, shortcut, text, attachment, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
        ))
        .bind(uuid::Uuid::new_v4())
        .bind(self.db.tenant.0)
        .bind(owner.map(|o| o.0))
        .bind(&shortcut)
        .bind(f.text.unwrap_or_default())
        .bind(f.attachment.flatten())
        .bind(created_by.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| DbError::on_unique(e, Conflict::CannedReplyExists(shortcut.clone())))?;
        tx.commit().await?;
        Ok(CannedCreated::Done(Box::new(row)))
    }

    /// Changes a reply; None when there is none with this id in the scope
    /// the caller may change (shared ones when `admin`, their own always).
    pub async fn update(&self, caller: UserId, admin: bool, id: uuid::Uuid, f: CannedFields) -> Result<Option<CannedReply>, DbError> {
        let mut tx = self.db.tx().await?;
        let shortcut = f.shortcut.clone().unwrap_or_default();
        let row = sqlx::query_as(&format!(
            "UPDATE canned_replies SET shortcut = COALESCE($3, shortcut), text = COALESCE($4, text),
                attachment = CASE WHEN $5 THEN $6 ELSE attachment END, updated_at = now()
             WHERE id = $1 AND (owner_id = $2 OR (owner_id IS NULL AND $7)) RETURNING {COLUMNS}"
        ))
        .bind(id)
        .bind(caller.0)
        .bind(&f.shortcut)
        .bind(&f.text)
        .bind(f.attachment.is_some())
        .bind(f.attachment.clone().flatten())
        .bind(admin)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| DbError::on_unique(e, Conflict::CannedReplyExists(shortcut.clone())))?;
        tx.commit().await?;
        Ok(row)
    }

    /// Deletes a reply the caller may change; false when none.
    pub async fn delete(&self, caller: UserId, admin: bool, id: uuid::Uuid) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query("DELETE FROM canned_replies WHERE id = $1 AND (owner_id = $2 OR (owner_id IS NULL AND $3))")
            .bind(id)
            .bind(caller.0)
            .bind(admin)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }
}
