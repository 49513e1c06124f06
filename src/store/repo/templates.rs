//! A tenant's message templates: drafts written here, their review status
//! as Meta reports it (submit answers, the template list, status webhooks).

use super::{Conflict, DbError, TenantDb};
use chrono::{DateTime, Utc};
use serde_json::Value;
use whatsflow_actors::ids::TemplateId;

const COLUMNS: &str =
    "id, waba_id, meta_template_id, name, language, category, status, rejected_reason, components, created_at, updated_at";

/// A template as the API shows it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct Template {
    /// Id.
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: TemplateId,
    /// The WhatsApp Business Account it belongs to.
    pub waba_id: String,
    /// Meta's id once submitted.
    pub meta_template_id: Option<String>,
    /// Its name (lowercase, underscores).
    pub name: String,
    /// Its language code.
    pub language: String,
    /// MARKETING, UTILITY or AUTHENTICATION.
    pub category: Option<String>,
    /// DRAFT, PENDING, APPROVED, REJECTED, PAUSED, DISABLED…
    pub status: String,
    /// Why Meta rejected it.
    pub rejected_reason: Option<String>,
    /// Header, body, footer, buttons in Meta's shape.
    pub components: Value,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Template {
    /// Whether it may still be edited here.
    pub fn editable(&self) -> bool {
        matches!(self.status.as_str(), "DRAFT" | "REJECTED")
    }
}

/// A draft to store.
#[derive(Debug, Clone)]
pub struct NewTemplate {
    /// Its WABA.
    pub waba_id: String,
    /// Name.
    pub name: String,
    /// Language.
    pub language: String,
    /// Category.
    pub category: String,
    /// Components.
    pub components: Value,
}

/// What Meta said when a draft was submitted.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// Meta's id.
    pub meta_id: Option<String>,
    /// Its status there (PENDING, APPROVED…).
    pub status: String,
    /// The category Meta settled on, if it says.
    pub category: Option<String>,
}

/// A tenant's templates.
pub struct Templates<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Templates<'_> {
    /// All of them (optionally of one status), by name and language.
    pub async fn list(&self, status: Option<&str>) -> Result<Vec<Template>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM templates WHERE ($1::text IS NULL OR status = upper($1)) ORDER BY name, language"
        ))
        .bind(status)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One.
    pub async fn get(&self, id: TemplateId) -> Result<Option<Template>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!("SELECT {COLUMNS} FROM templates WHERE id = $1")).bind(id.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Stores a draft (one per name and language).
    pub async fn create(&self, t: NewTemplate) -> Result<Template, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!(
            "INSERT INTO templates (id, tenant_id, waba_id, name, language, category, status, components)
             VALUES ($1, $2, $3, $4, $5, $6, 'DRAFT', $7) RETURNING {COLUMNS}"
        ))
        .bind(TemplateId::generate().0)
        .bind(self.db.tenant.0)
        .bind(&t.waba_id)
        .bind(&t.name)
        .bind(&t.language)
        .bind(&t.category)
        .bind(&t.components)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| DbError::on_unique(e, Conflict::TemplateExists { name: t.name.clone(), language: t.language.clone() }))?;
        tx.commit().await?;
        Ok(row)
    }

    /// Rewrites a draft or rejected template; it becomes a draft again.
    /// None when it is gone or no longer editable.
    pub async fn redraft(&self, id: TemplateId, category: &str, components: &Value) -> Result<Option<Template>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!(
            "UPDATE templates SET category = $2, components = $3, status = 'DRAFT', rejected_reason = NULL, updated_at = now()
             WHERE id = $1 AND status IN ('DRAFT', 'REJECTED') RETURNING {COLUMNS}"
        ))
        .bind(id.0)
        .bind(category)
        .bind(components)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Deletes one; false when there was none.
    pub async fn delete(&self, id: TemplateId) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query("DELETE FROM templates WHERE id = $1").bind(id.0).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Records what Meta answered to a submission.
    pub async fn submitted(&self, id: TemplateId, s: &Submitted) -> Result<Option<Template>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!(
            "UPDATE templates SET status = $2, meta_template_id = $3, category = COALESCE($4, category), updated_at = now()
             WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .bind(id.0)
        .bind(&s.status)
        .bind(&s.meta_id)
        .bind(&s.category)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Stores Meta's list of a WABA's templates: new ones are added, known
    /// ones (by name and language) take Meta's status and components.
    /// `rows` are `{meta_id, name, language, category, status, reason, components}`.
    pub async fn merge_from_meta(&self, waba: &str, rows: Vec<Value>) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query(
            "INSERT INTO templates AS t (id, tenant_id, waba_id, meta_template_id, name, language, category, status, rejected_reason, components)
             SELECT gen_random_uuid(), $1, $2, r.meta_id, r.name, r.language, r.category, COALESCE(r.status, 'PENDING'), NULLIF(r.reason, 'NONE'), COALESCE(r.components, '[]')
             FROM jsonb_to_recordset($3) AS r(meta_id text, name text, language text, category text, status text, reason text, components jsonb)
             WHERE r.name IS NOT NULL AND r.language IS NOT NULL
             ON CONFLICT (tenant_id, name, language) DO UPDATE SET meta_template_id = EXCLUDED.meta_template_id, category = EXCLUDED.category,
                status = EXCLUDED.status, rejected_reason = EXCLUDED.rejected_reason, components = EXCLUDED.components, updated_at = now()",
        )
        .bind(self.db.tenant.0)
        .bind(waba)
        .bind(Value::Array(rows))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
