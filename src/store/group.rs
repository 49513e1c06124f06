//! Group commit, generically. Callers hand jobs to a queue; a few worker
//! tasks each take everything waiting (up to a bound) and do it in one
//! transaction, with set-based statements, whatever the number of callers.
//! Throughput so grows with load instead of being capped by one commit (one
//! fsync, a handful of round trips) per job.
//!
//! If a shared transaction fails for a reason other than the database being
//! down, each job is retried alone, so one poisoned job fails only itself.

use crate::db::{begin_as, is_unavailable, set_tenant};
use crate::store::store_err;
use async_trait::async_trait;
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};
use whatsflow_actors::ids::TenantId;
use whatsflow_actors::ports::StoreError;

/// A transaction of a group.
pub type GroupTx = sqlx::Transaction<'static, sqlx::Postgres>;

/// One kind of grouped write: how one tenant's share of a group is done.
/// The group's transaction, the switch to each tenant and the rule that an
/// incomplete group rolls back are [`GroupWork::run`]'s, shared by all.
#[async_trait]
pub trait GroupWork: Send + Sync + 'static {
    /// What a caller asks for.
    type Job: Send + Sync + 'static;
    /// What it gets back.
    type Output: Send + 'static;
    /// The tenant a job belongs to.
    fn tenant(job: &Self::Job) -> TenantId;
    /// Does one tenant's jobs inside the group's transaction, with
    /// `app.tenant_id` already set: one output per job, in order, `None`
    /// for a job it could not do.
    async fn run_tenant(&self, tx: &mut GroupTx, tenant: TenantId, jobs: &[&Self::Job]) -> Result<Vec<Option<Self::Output>>, sqlx::Error>;

    /// Runs once per group, first, inside its transaction (before any
    /// tenant's share): for checks that lock rows shared by every tenant in
    /// one order (the conversation writer's fences). The group's first
    /// tenant is already set (it rides the `BEGIN`), so it must read only
    /// tables without row-level security.
    async fn before(&self, _tx: &mut GroupTx, _jobs: &[&Self::Job]) -> Result<(), sqlx::Error> {
        Ok(())
    }

    /// Does `jobs` in one transaction; one output per job, in order. A job
    /// left undone rolls the whole group back (its jobs are then retried
    /// alone), so nothing is committed that a caller is told failed.
    async fn run(&self, pool: &PgPool, jobs: &[&Self::Job]) -> Result<Vec<Self::Output>, sqlx::Error> {
        let mut out: Vec<Option<Self::Output>> = jobs.iter().map(|_| None).collect();
        let tenants = by_tenant(jobs, Self::tenant);
        // The first tenant is set with the `BEGIN` (one round trip), the
        // others as their turn comes.
        let first = tenants.keys().next().copied();
        let mut tx = match first {
            Some(t) => pool.begin_with(begin_as(t)).await?,
            None => pool.begin().await?,
        };
        self.before(&mut tx, jobs).await?;
        for (tenant, idxs) in tenants {
            if Some(tenant) != first {
                set_tenant(&mut tx, tenant).await?;
            }
            let mine: Vec<&Self::Job> = idxs.iter().map(|&i| jobs[i]).collect();
            let done = self.run_tenant(&mut tx, tenant, &mine).await?;
            for (i, o) in idxs.into_iter().zip(done) {
                out[i] = o;
            }
        }
        let out =
            out.into_iter().collect::<Option<Vec<_>>>().ok_or_else(|| sqlx::Error::Protocol("a grouped write left a job undone".into()))?;
        tx.commit().await?;
        Ok(out)
    }
}

struct Queued<W: GroupWork> {
    job: W::Job,
    reply: oneshot::Sender<Result<W::Output, StoreError>>,
}

/// Handle to the worker tasks of one kind of work.
pub struct GroupCommit<W: GroupWork> {
    tx: mpsc::Sender<Queued<W>>,
}

impl<W: GroupWork> Clone for GroupCommit<W> {
    fn clone(&self) -> Self {
        Self { tx: self.tx.clone() }
    }
}

/// How a group commit is sized.
#[derive(Debug, Clone, Copy)]
pub struct GroupLimits {
    /// Worker tasks (concurrent transactions).
    pub tasks: usize,
    /// Most jobs one transaction takes: bounds one commit's duration.
    pub max_per_commit: usize,
    /// Jobs waiting before callers wait (backpressure from Postgres).
    pub queue: usize,
}

impl<W: GroupWork> GroupCommit<W> {
    /// Starts the worker tasks on the current runtime.
    pub fn start(pool: PgPool, work: W, limits: GroupLimits) -> Self {
        let (tx, rx) = mpsc::channel::<Queued<W>>(limits.queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        let work = Arc::new(work);
        for _ in 0..limits.tasks.max(1) {
            let (pool, rx, work) = (pool.clone(), rx.clone(), work.clone());
            tokio::spawn(async move {
                loop {
                    let jobs = {
                        let mut rx = rx.lock().await;
                        let Some(first) = rx.recv().await else { return };
                        let mut jobs = vec![first];
                        while jobs.len() < limits.max_per_commit {
                            match rx.try_recv() {
                                Ok(j) => jobs.push(j),
                                Err(_) => break,
                            }
                        }
                        jobs
                    };
                    execute(&pool, work.as_ref(), jobs).await;
                }
            });
        }
        Self { tx }
    }

    /// Does `job` together with whatever else is waiting.
    pub async fn submit(&self, job: W::Job) -> Result<W::Output, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Queued { job, reply }).await.map_err(|_| StoreError::Unavailable("the group writer has stopped".into()))?;
        answer.await.map_err(|_| StoreError::Unavailable("the group writer dropped the job".into()))?
    }
}

async fn execute<W: GroupWork>(pool: &PgPool, work: &W, queued: Vec<Queued<W>>) {
    let jobs: Vec<&W::Job> = queued.iter().map(|q| &q.job).collect();
    match work.run(pool, &jobs).await {
        Ok(outputs) if outputs.len() == queued.len() => {
            for (q, out) in queued.into_iter().zip(outputs) {
                let _ = q.reply.send(Ok(out));
            }
        }
        Ok(_) => {
            for q in queued {
                let _ = q.reply.send(Err(StoreError::Bug("group commit answered the wrong number of outputs".into())));
            }
        }
        // A lost race is split up too: alone, each job no longer collides.
        Err(e) if queued.len() > 1 && (!is_unavailable(&e) || crate::db::lost_race(&e)) => {
            tracing::warn!(error = %e, jobs = queued.len(), "group commit failed; retrying each job alone");
            for q in queued {
                let res = work.run(pool, &[&q.job]).await.map_err(store_err);
                let _ = q.reply.send(res.and_then(|mut o| o.pop().ok_or_else(|| StoreError::Bug("no output".into()))));
            }
        }
        Err(e) => {
            let err = store_err(e);
            for q in queued {
                let _ = q.reply.send(Err(err.clone()));
            }
        }
    }
}

/// The indexes of `jobs` per tenant: a group transaction switches tenant
/// (`app.tenant_id`) once per tenant, not once per job.
fn by_tenant<J>(jobs: &[&J], tenant: impl Fn(&J) -> TenantId) -> BTreeMap<TenantId, Vec<usize>> {
    let mut groups: BTreeMap<TenantId, Vec<usize>> = BTreeMap::new();
    for (i, j) in jobs.iter().enumerate() {
        groups.entry(tenant(j)).or_default().push(i);
    }
    groups
}
