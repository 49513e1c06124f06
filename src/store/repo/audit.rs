//! The audit log's rows: appended through a definer function that chains
//! each to the one before (per tenant), read per tenant under row-level
//! security or all of them for platform operators, and verified.

use super::DbError;
use crate::audit::Entry;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use whatsflow_actors::ids::TenantId;

/// A row as the API shows it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct AuditRow {
    /// Its place in the log.
    pub id: i64,
    /// The account (null: the platform's own).
    #[ts(type = "string | null")]
    pub tenant_id: Option<uuid::Uuid>,
    /// When.
    pub at: DateTime<Utc>,
    /// user, api_key, system or anonymous.
    pub actor_kind: String,
    /// The user or key.
    #[ts(type = "string | null")]
    pub actor_id: Option<uuid::Uuid>,
    /// What happened.
    pub action: String,
    /// To what.
    pub target: Option<String>,
    /// Before.
    #[ts(type = "unknown")]
    pub before: Option<Value>,
    /// After.
    #[ts(type = "unknown")]
    pub after: Option<Value>,
    /// The caller's address.
    pub ip: Option<String>,
    /// The request.
    pub request_id: Option<String>,
}

const COLUMNS: &str = "id, tenant_id, at, actor_kind, actor_id, action, target, before, after, ip, request_id";

/// The audit log.
pub struct Audit<'a> {
    pub(super) pool: &'a PgPool,
}

impl Audit<'_> {
    /// Appends `entry`, with the request's id and the caller's address.
    pub async fn append(&self, entry: Entry) -> Result<i64, DbError> {
        let (kind, actor) = entry.actor.parts();
        Ok(sqlx::query_scalar("SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(entry.tenant.map(|t| t.0))
            .bind(kind)
            .bind(actor)
            .bind(entry.action)
            .bind(entry.target)
            .bind(entry.before)
            .bind(entry.after)
            .bind(crate::http::request_id::client_ip().map(|ip| ip.to_string()))
            .bind(crate::http::request_id::current())
            .fetch_one(self.pool)
            .await?)
    }

    /// One account's rows, newest first, before `before` (an id).
    pub async fn tenant_rows(&self, tenant: TenantId, before: Option<i64>, limit: i64) -> Result<Vec<AuditRow>, DbError> {
        let mut tx = crate::db::tenant_tx(self.pool, tenant).await?;
        let rows = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE tenant_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        ))
        .bind(tenant.0)
        .bind(before)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Every account's rows, newest first (platform operators).
    pub async fn all_rows(&self, before: Option<i64>, limit: i64) -> Result<Vec<AuditRow>, DbError> {
        Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_all($1, $2)"))
            .bind(before)
            .bind(i32::try_from(limit).unwrap_or(i32::MAX))
            .fetch_all(self.pool)
            .await?)
    }

    /// The first row of the chain (one account's, or all of them) whose
    /// hashes do not follow from its fields and the row before; None: intact.
    pub async fn first_bad(&self, tenant: Option<TenantId>) -> Result<Option<i64>, DbError> {
        Ok(sqlx::query_scalar("SELECT audit_first_bad($1, $2)")
            .bind(tenant.map(|t| t.0))
            .bind(tenant.is_none())
            .fetch_one(self.pool)
            .await?)
    }
}
