//! What flows read of their contacts (name, phone, tags, custom fields for
//! `{{contact.*}}` and conditions), read in groups. With thousands of runs
//! stepping at once each read was a transaction and a round trip of its
//! own; now the reads of many runs share one `= ANY` query per tenant,
//! through [`GroupCommit`](crate::store::group::GroupCommit).

use crate::store::group::{GroupTx, GroupWork};
use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::Row;
use std::collections::HashMap;
use whatsflow_actors::ids::{ContactId, TenantId};

/// Reads contact facts; a contact the tenant does not have (deleted, or
/// another tenant's) reads as no facts, as a single read did.
pub struct ContactFactsReads;

#[async_trait]
impl GroupWork for ContactFactsReads {
    type Job = (TenantId, ContactId);
    type Output = Map<String, Value>;

    fn tenant(job: &Self::Job) -> TenantId {
        job.0
    }

    async fn run_tenant(&self, tx: &mut GroupTx, _tenant: TenantId, jobs: &[&Self::Job]) -> Result<Vec<Option<Self::Output>>, sqlx::Error> {
        let mut ids: Vec<uuid::Uuid> = jobs.iter().map(|j| j.1 .0).collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = sqlx::query("SELECT id, name, phone, username, tags, custom_fields FROM contacts WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_all(&mut **tx)
            .await?;
        let mut facts: HashMap<uuid::Uuid, Map<String, Value>> = HashMap::with_capacity(rows.len());
        for r in rows {
            let mut m = Map::new();
            m.insert("name".into(), Value::from(r.try_get::<Option<String>, _>("name")?));
            m.insert("phone".into(), Value::from(r.try_get::<Option<String>, _>("phone")?));
            m.insert("username".into(), Value::from(r.try_get::<Option<String>, _>("username")?));
            m.insert("tags".into(), Value::from(r.try_get::<Vec<String>, _>("tags")?));
            m.insert("fields".into(), r.try_get::<Value, _>("custom_fields")?);
            facts.insert(r.try_get("id")?, m);
        }
        Ok(jobs.iter().map(|j| Some(facts.get(&j.1 .0).cloned().unwrap_or_default())).collect())
    }
}
