//! Retention: settled webhook inbox rows (those kept with notes: a cleanly
//! processed one is deleted when it settles), held events whose message never
//! came, finished outbound webhook deliveries, and (after their own longer
//! periods) smart-reply memory, rule logs and report rollups are deleted once older than the retention (default 30 days), in
//! small batches so the purge never holds long locks. Unsettled and
//! dead-lettered rows are kept: they still matter to someone.

use sqlx::PgPool;
use std::time::Duration;

/// How often the purge runs.
const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// Rows deleted per statement.
const PURGE_BATCH: i64 = 5_000;

/// Deletes what is past `retention`; returns (inbox rows, held events and
/// finished webhook deliveries) deleted.
pub async fn purge(pool: &PgPool, retention: Duration) -> Result<(u64, u64), sqlx::Error> {
    let secs = f64::from(u32::try_from(retention.as_secs()).unwrap_or(u32::MAX));
    let mut inbox = 0;
    loop {
        let n = sqlx::query(
            "DELETE FROM webhook_inbox WHERE id IN (
                 SELECT id FROM webhook_inbox WHERE processed_at IS NOT NULL AND processed_at < now() - make_interval(secs => $1) LIMIT $2)",
        )
        .bind(secs)
        .bind(PURGE_BATCH)
        .execute(pool)
        .await?
        .rows_affected();
        inbox += n;
        if n < PURGE_BATCH as u64 {
            break;
        }
    }
    let held: u64 = sqlx::query_scalar::<_, i64>("SELECT purge_held_events(make_interval(secs => $1), $2)")
        .bind(secs)
        .bind(PURGE_BATCH)
        .fetch_one(pool)
        .await?
        .try_into()
        .unwrap_or(0);
    let mut deliveries = 0;
    loop {
        let n: u64 = sqlx::query_scalar::<_, i32>("SELECT purge_webhook_deliveries(make_interval(secs => $1), $2::int)")
            .bind(secs)
            .bind(PURGE_BATCH)
            .fetch_one(pool)
            .await?
            .try_into()
            .unwrap_or(0);
        deliveries += n;
        if n < PURGE_BATCH as u64 {
            break;
        }
    }
    let mut others = 0;
    for purge in ["SELECT purge_answer_memory($1::int)", "SELECT purge_teamwork($1::int)"] {
        loop {
            let n: u64 = sqlx::query_scalar::<_, i32>(purge).bind(PURGE_BATCH).fetch_one(pool).await?.try_into().unwrap_or(0);
            others += n;
            if n < PURGE_BATCH as u64 {
                break;
            }
        }
    }
    Ok((inbox, held + deliveries + others))
}

/// Runs [`purge`] every hour until the process ends.
pub fn spawn(pool: PgPool, retention: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            match purge(&pool, retention).await {
                Ok((0, 0)) => {}
                Ok((inbox, held)) => tracing::info!(inbox, held, "purged rows past the retention"),
                Err(e) => tracing::warn!(error = %e, "retention purge failed; trying again later"),
            }
        }
    });
}
