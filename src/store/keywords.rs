//! STOP / START keywords: a customer whose whole message is one of their
//! business's stop keywords ("STOP", "रोकें", …) loses marketing consent;
//! a start keyword gives it back. Each tenant's lists are cached for a short
//! while so the ingest path reads them from memory, not per batch.

use dashmap::DashMap;
use sqlx::{Postgres, Transaction};
use std::sync::Arc;
use std::time::{Duration, Instant};
use whatsflow_actors::ids::TenantId;

/// How long a tenant's lists are trusted before they are read again.
const TTL: Duration = Duration::from_secs(30);
/// Longer messages are never keywords (and are not even compared).
pub const MAX_KEYWORD_CHARS: usize = 40;

/// One tenant's lists, lower-cased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keywords {
    /// Stop marketing.
    pub stop: Vec<String>,
    /// Resume marketing.
    pub start: Vec<String>,
}

impl Keywords {
    /// The consent a message asks for: Some(false) for a stop keyword,
    /// Some(true) for a start keyword, None for anything else.
    pub fn consent_asked(&self, text: &str) -> Option<bool> {
        let t = normalise(text);
        if t.is_empty() || t.chars().count() > MAX_KEYWORD_CHARS {
            return None;
        }
        if self.stop.contains(&t) {
            Some(false)
        } else if self.start.contains(&t) {
            Some(true)
        } else {
            None
        }
    }
}

/// Trimmed, lower-cased, inner whitespace collapsed, trailing punctuation dropped.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").trim_end_matches(['.', '!', '।']).to_lowercase()
}

/// The tenants' keyword lists, cached.
#[derive(Debug, Default)]
pub struct ConsentKeywords {
    cache: DashMap<TenantId, (Instant, Arc<Keywords>)>,
}

impl ConsentKeywords {
    /// A tenant's lists, read in `tx` (its tenant context) when not cached.
    pub async fn get(&self, tx: &mut Transaction<'_, Postgres>, tenant: TenantId) -> Result<Arc<Keywords>, sqlx::Error> {
        if let Some(entry) = self.cache.get(&tenant) {
            if entry.0.elapsed() < TTL {
                return Ok(entry.1.clone());
            }
        }
        let row: Option<(Vec<String>, Vec<String>)> = sqlx::query_as("SELECT stop_keywords, start_keywords FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_optional(&mut **tx)
            .await?;
        let (stop, start) = row.unwrap_or_default();
        let k =
            Arc::new(Keywords { stop: stop.iter().map(|s| normalise(s)).collect(), start: start.iter().map(|s| normalise(s)).collect() });
        self.cache.insert(tenant, (Instant::now(), k.clone()));
        Ok(k)
    }

    /// Forgets a tenant's lists (they were just changed).
    pub fn forget(&self, tenant: TenantId) {
        self.cache.remove(&tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_message_that_is_a_keyword_counts() {
        let k = Keywords { stop: vec!["stop".into(), "रोकें".into()], start: vec!["start".into()] };
        assert_eq!(k.consent_asked("  STOP! "), Some(false));
        assert_eq!(k.consent_asked("रोकें।"), Some(false));
        assert_eq!(k.consent_asked("Start"), Some(true));
        assert_eq!(k.consent_asked("please stop calling me"), None);
        assert_eq!(k.consent_asked(""), None);
        assert_eq!(k.consent_asked(&"stop ".repeat(20)), None);
    }
}
