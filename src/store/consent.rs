//! Marketing consent: a contact who opted out (`opted_in = false`, from the
//! API, an import with an `opted_in` column, Meta's `user_preferences`
//! webhook, a STOP keyword, or a send that failed with 131050) is never sent
//! a marketing template, nor one whose category is not known here. Templates
//! known to be utility or authentication, and session messages, still go.
//! Changes from outside apply in the order they happened: one older than the
//! last recorded change is ignored.

use crate::db::tenant_tx;
use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};
use whatsflow_actors::ids::{ContactId, TenantId};

/// Whether a template send may go to a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateConsent {
    /// Not marketing, or the contact has not opted out.
    Allowed,
    /// A marketing template to a contact who opted out.
    OptedOut {
        /// The template's name.
        template: String,
    },
}

/// Checks a `template` send body (`{"name", "language": {"code"}}`) for
/// `contact`: marketing templates need the contact's consent.
pub async fn template_send(pool: &PgPool, tenant: TenantId, contact: ContactId, template: &Value) -> Result<TemplateConsent, sqlx::Error> {
    let name = template["name"].as_str().unwrap_or_default();
    let language = template["language"]["code"].as_str().or(template["language"].as_str()).unwrap_or_default();
    let mut tx = tenant_tx(pool, tenant).await?;
    let row: Option<(bool, Option<String>)> = sqlx::query_as(
        "SELECT k.opted_in, (SELECT t.category FROM templates t WHERE t.name = $2 AND (t.language = $3 OR $3 = '') ORDER BY t.language = $3 DESC LIMIT 1)
         FROM contacts k WHERE k.id = $1",
    )
    .bind(contact.0)
    .bind(name)
    .bind(language)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(match row {
        Some((false, Some(category))) if category.eq_ignore_ascii_case("MARKETING") => {
            TemplateConsent::OptedOut { template: name.to_owned() }
        }
        _ => TemplateConsent::Allowed,
    })
}

/// Records a consent change made at `at`, unless a later one is recorded.
pub async fn record_change(
    tx: &mut Transaction<'_, Postgres>,
    contact: ContactId,
    opted_in: bool,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE contacts SET opted_in = $2, consent_changed_at = $3, updated_at = now()
         WHERE id = $1 AND (consent_changed_at IS NULL OR consent_changed_at <= $3)",
    )
    .bind(contact.0)
    .bind(opted_in)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
