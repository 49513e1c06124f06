//! A tenant's own settings: the STOP / START keywords that change a
//! customer's marketing consent.

use super::{DbError, TenantDb};

/// The keyword lists as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct ConsentKeywordLists {
    /// Whole messages that stop marketing.
    pub stop_keywords: Vec<String>,
    /// Whole messages that resume it.
    pub start_keywords: Vec<String>,
}

/// A tenant's settings.
pub struct Settings<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Settings<'_> {
    /// The keyword lists.
    pub async fn consent_keywords(&self) -> Result<ConsentKeywordLists, DbError> {
        let mut tx = self.db.tx().await?;
        let (stop_keywords, start_keywords): (Vec<String>, Vec<String>) =
            sqlx::query_as("SELECT stop_keywords, start_keywords FROM tenants WHERE id = $1")
                .bind(self.db.tenant.0)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(ConsentKeywordLists { stop_keywords, start_keywords })
    }

    /// Replaces the keyword lists.
    pub async fn set_consent_keywords(&self, lists: &ConsentKeywordLists) -> Result<ConsentKeywordLists, DbError> {
        let mut tx = self.db.tx().await?;
        let (stop_keywords, start_keywords): (Vec<String>, Vec<String>) = sqlx::query_as(
            "UPDATE tenants SET stop_keywords = $2, start_keywords = $3 WHERE id = $1 RETURNING stop_keywords, start_keywords",
        )
        .bind(self.db.tenant.0)
        .bind(&lists.stop_keywords)
        .bind(&lists.start_keywords)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ConsentKeywordLists { stop_keywords, start_keywords })
    }
}
