//! Flow run cursors, written in groups. A run saves its cursor before every
//! side effect, so with thousands of runs stepping at once the saves are the
//! load: they share transactions and set-based statements through
//! [`GroupCommit`] instead of paying a commit each.

use crate::store::group::{GroupTx, GroupWork};
use async_trait::async_trait;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use whatsflow_actors::flow::run::RunRecord;
use whatsflow_actors::ids::{ConversationId, TenantId};

/// Starts runs: inserts each unless its conversation already has an active
/// run (the one-active-run rule); answers whether it was inserted.
pub struct RunCreation;

#[async_trait]
impl GroupWork for RunCreation {
    type Job = (TenantId, ConversationId, RunRecord);
    type Output = bool;

    fn tenant(job: &Self::Job) -> TenantId {
        job.0
    }

    async fn run_tenant(&self, tx: &mut GroupTx, tenant: TenantId, jobs: &[&Self::Job]) -> Result<Vec<Option<bool>>, sqlx::Error> {
        // In conversation order, so concurrent groups lock alike.
        let mut order: Vec<usize> = (0..jobs.len()).collect();
        order.sort_by_key(|&i| jobs[i].1 .0);
        let runs: Vec<(&ConversationId, &RunRecord)> = order.iter().map(|&i| (&jobs[i].1, &jobs[i].2)).collect();
        let inserted: HashSet<uuid::Uuid> = sqlx::query_scalar(
            "INSERT INTO flow_runs (id, tenant_id, flow_id, version, conversation_id, status, cursor, vars, path, step)
             SELECT u.id, $1, u.flow_id, u.version, u.conversation_id, u.status, u.cursor, u.vars, u.path, u.step
             FROM unnest($2::uuid[], $3::uuid[], $4::int[], $5::uuid[], $6::text[], $7::text[], $8::jsonb[], $9::jsonb[], $10::bigint[])
                AS u(id, flow_id, version, conversation_id, status, cursor, vars, path, step)
             ON CONFLICT (conversation_id) WHERE ended_at IS NULL DO NOTHING RETURNING id",
        )
        .bind(tenant.0)
        .bind(runs.iter().map(|(_, r)| r.id).collect::<Vec<_>>())
        .bind(runs.iter().map(|(_, r)| r.flow_id).collect::<Vec<_>>())
        .bind(runs.iter().map(|(_, r)| r.version).collect::<Vec<_>>())
        .bind(runs.iter().map(|(c, _)| c.0).collect::<Vec<_>>())
        .bind(runs.iter().map(|(_, r)| r.status.as_str().to_owned()).collect::<Vec<_>>())
        .bind(runs.iter().map(|(_, r)| r.cursor.clone()).collect::<Vec<_>>())
        .bind(runs.iter().map(|(_, r)| Value::Object(r.vars.clone())).collect::<Vec<_>>())
        .bind(runs.iter().map(|(_, r)| json!(r.path)).collect::<Vec<_>>())
        .bind(runs.iter().map(|(_, r)| r.step).collect::<Vec<_>>())
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();
        Ok(jobs.iter().map(|j| Some(inserted.contains(&j.2.id))).collect())
    }
}

/// Saves run cursors (status, variables, what it waits for, path, step).
pub struct RunSaves;

#[async_trait]
impl GroupWork for RunSaves {
    /// The tenant, the run, and its conversation's lease (several nodes).
    type Job = (TenantId, RunRecord, Option<whatsflow_actors::fence::Fence>);
    type Output = ();

    fn tenant(job: &Self::Job) -> TenantId {
        job.0
    }

    /// Refuses the group if a run's lease moved on (see the writer's fence).
    async fn before(&self, tx: &mut GroupTx, jobs: &[&Self::Job]) -> Result<(), sqlx::Error> {
        crate::store::writer::check_fences(tx, jobs.iter().filter_map(|j| j.2)).await
    }

    async fn run_tenant(&self, tx: &mut GroupTx, _tenant: TenantId, jobs: &[&Self::Job]) -> Result<Vec<Option<()>>, sqlx::Error> {
        // A run awaits each save, so one run appears once; if not, the
        // last save of it wins, as it would have one at a time.
        let mut last: HashMap<uuid::Uuid, &RunRecord> = HashMap::with_capacity(jobs.len());
        for (_, run, _) in jobs {
            last.insert(run.id, run);
        }
        let mut runs: Vec<&RunRecord> = last.into_values().collect();
        runs.sort_by_key(|r| r.id);
        sqlx::query(
            "UPDATE flow_runs f SET status = u.status, cursor = u.cursor, vars = u.vars, waiting = u.waiting, wake_at = u.wake_at,
                path = u.path, step = u.step, error = u.error, updated_at = now(),
                ended_at = CASE WHEN u.status IN ('completed', 'failed', 'stopped') THEN COALESCE(f.ended_at, now()) ELSE NULL END
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::timestamptz[], $7::jsonb[], $8::bigint[], $9::text[])
                AS u(id, status, cursor, vars, waiting, wake_at, path, step, error)
             WHERE f.id = u.id AND f.id = ANY($1)",
        )
        .bind(runs.iter().map(|r| r.id).collect::<Vec<_>>())
        .bind(runs.iter().map(|r| r.status.as_str().to_owned()).collect::<Vec<_>>())
        .bind(runs.iter().map(|r| r.cursor.clone()).collect::<Vec<_>>())
        .bind(runs.iter().map(|r| Value::Object(r.vars.clone())).collect::<Vec<_>>())
        .bind(runs.iter().map(|r| r.waiting.as_ref().and_then(|w| serde_json::to_value(w).ok())).collect::<Vec<_>>())
        .bind(runs.iter().map(|r| r.waiting.as_ref().and_then(|w| w.until())).collect::<Vec<_>>())
        .bind(runs.iter().map(|r| json!(r.path)).collect::<Vec<_>>())
        .bind(runs.iter().map(|r| r.step).collect::<Vec<_>>())
        .bind(runs.iter().map(|r| r.error.clone()).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await?;
        Ok(vec![Some(()); jobs.len()])
    }
}
