//! Connection pools and the tenant transaction. The server's queries run as
//! `whatsflow_app`, a role subject to row-level security; every tenant query
//! runs in a transaction that first sets `app.tenant_id`.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Executor, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;
use whatsflow_actors::ids::TenantId;

/// The role the application runs as (see the first migration).
pub const APP_ROLE: &str = "whatsflow_app";

/// How long a request waits for a pooled connection before failing (503).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

fn options(url: &str) -> Result<PgConnectOptions, sqlx::Error> {
    // Statements are not logged: they carry customer data and tokens.
    Ok(PgConnectOptions::from_str(url)?.disable_statement_logging())
}

/// The application pool: every connection switches to [`APP_ROLE`].
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("SET ROLE whatsflow_app").await?;
                Ok(())
            })
        })
        .connect_with(options(url)?)
        .await
}

/// Applies the migrations as the connecting (owner) role.
pub async fn migrate(url: &str) -> Result<(), anyhow::Error> {
    let pool = PgPoolOptions::new().max_connections(1).connect_with(options(url)?).await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    pool.close().await;
    Ok(())
}

/// Creates database `name` if it does not exist, via `admin_url`'s server.
pub async fn ensure_database(admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let pool = PgPoolOptions::new().max_connections(1).connect_with(options(admin_url)?).await?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1").bind(name).fetch_optional(&pool).await?;
    if exists.is_none() {
        let quoted = name.replace('"', "\"\"");
        pool.execute(format!("CREATE DATABASE \"{quoted}\"").as_str()).await?;
    }
    pool.close().await;
    Ok(())
}

/// A transaction scoped to one tenant: row-level security shows and accepts
/// only that tenant's rows for its whole life.
pub async fn tenant_tx(pool: &PgPool, tenant: TenantId) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    set_tenant(&mut tx, tenant).await?;
    Ok(tx)
}

/// Switches the current transaction to `tenant` (group commits span tenants).
pub async fn set_tenant(tx: &mut Transaction<'static, Postgres>, tenant: TenantId) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)").bind(tenant.0.to_string()).execute(&mut **tx).await?;
    Ok(())
}

/// Whether an error means the database is unreachable (→ 503, retry later)
/// rather than a bug (→ 500).
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed)
        || matches!(e, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c.starts_with("53")))
}
