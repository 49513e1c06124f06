//! A tenant's API keys: only their SHA-256 is stored.

use super::{DbError, TenantDb};
use chrono::{DateTime, Utc};
use whatsflow_actors::ids::{ApiKeyId, UserId};

/// A key as listed (never the key itself).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct KeyView {
    /// Id.
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: ApiKeyId,
    /// What it is for.
    pub name: String,
    /// Its first characters, to recognise it.
    pub prefix: String,
    /// What it may do.
    pub scopes: Vec<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key to store.
#[derive(Debug, Clone)]
pub struct NewKey<'k> {
    /// Its id.
    pub id: ApiKeyId,
    /// What it is for.
    pub name: &'k str,
    /// Its first characters.
    pub prefix: &'k str,
    /// The SHA-256 of the key.
    pub hash: Vec<u8>,
    /// What it may do.
    pub scopes: &'k [String],
    /// The admin creating it.
    pub created_by: UserId,
}

/// A tenant's API keys.
pub struct Keys<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Keys<'_> {
    /// Stores a key; when it was created.
    pub async fn create(&self, key: NewKey<'_>) -> Result<DateTime<Utc>, DbError> {
        let mut tx = self.db.tx().await?;
        let created_at = sqlx::query_scalar(
            "INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at",
        )
        .bind(key.id.0)
        .bind(self.db.tenant.0)
        .bind(key.name)
        .bind(key.prefix)
        .bind(&key.hash)
        .bind(key.scopes)
        .bind(key.created_by.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(created_at)
    }

    /// Every key, oldest first.
    pub async fn list(&self) -> Result<Vec<KeyView>, DbError> {
        let mut tx = self.db.tx().await?;
        let keys =
            sqlx::query_as("SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(keys)
    }

    /// Revokes a key at once; false when there is no live key with this id.
    pub async fn revoke(&self, id: ApiKeyId) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }
}
