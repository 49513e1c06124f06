//! Connection pools and the tenant transaction. Migrations run as the
//! database owner; the server itself logs in as `whatsflow_app`, a role that
//! owns nothing and cannot bypass row-level security, and every tenant query
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

/// The application pool, logged in as [`APP_ROLE`] (`url` names that role).
///
/// `idle_in_transaction`: several nodes set it below the partition lease.
/// A node paused (SIGSTOP, a stall) in the middle of a transaction would
/// otherwise keep its share lock on a partition's epoch row for as long as
/// it sleeps, and the node taking the partition over would wait on it;
/// Postgres ends such a transaction instead, before the lease runs out, and
/// the sleeper's write is refused when it wakes.
///
/// Postgres's JIT is off for the server's sessions: it compiles a statement
/// whose estimated cost passes `jit_above_cost` on every execution (hundreds
/// of milliseconds of CPU for a sweep over a large tenant), which an OLTP
/// service repeating short statements never earns back. Measured in
/// BENCHMARKS.md ("Campaigns, ninth session").
///
/// A pooled connection is pinged before it is handed out only when it sat
/// idle for [`PING_IF_IDLE_FOR`]: one that was in use a moment ago is
/// known to be alive, and pinging it cost every short transaction an extra
/// round trip under load (BENCHMARKS.md, "The inbox row settled in the
/// commit"). A connection that dies in use fails its statement and is
/// dropped, as it could between a ping and its first statement anyway.
pub async fn connect(url: &str, max_connections: u32, idle_in_transaction: Option<Duration>) -> Result<PgPool, sqlx::Error> {
    let mut options = options(url)?.options([("jit", "off")]);
    if let Some(limit) = idle_in_transaction {
        options = options.options([("idle_in_transaction_session_timeout", limit.as_millis().max(1).to_string())]);
    }
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IF_IDLE_FOR {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
}

/// How long a pooled connection may sit idle before it is pinged on
/// acquire (a restarted Postgres or a cut connection is noticed then).
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// The password of [`APP_ROLE`] when the server provisions it: derived from
/// the master key, so every node of a cluster sets and uses the same one.
pub fn app_role_password(master_key: &[u8; 32]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(master_key) {
        Ok(m) => m,
        // HMAC accepts keys of any length; a 32-byte key cannot fail.
        Err(_) => return String::new(),
    };
    mac.update(b"whatsflow_app database password v1");
    hex::encode(mac.finalize().into_bytes())
}

/// `owner_url` with the user and password of [`APP_ROLE`].
pub fn app_url(owner_url: &str, password: &str) -> Result<String, sqlx::Error> {
    let mut url = url::Url::parse(owner_url).map_err(|e| sqlx::Error::Configuration(format!("DATABASE_URL is not a URL: {e}").into()))?;
    url.set_username(APP_ROLE).map_err(|_| sqlx::Error::Configuration("DATABASE_URL cannot carry a user".into()))?;
    url.set_password(Some(password)).map_err(|_| sqlx::Error::Configuration("DATABASE_URL cannot carry a password".into()))?;
    Ok(url.into())
}

/// Makes [`APP_ROLE`] able to log in with `password` (as the owner of
/// `owner_url`, which created the role in the first migration) and returns
/// the URL to connect with. Nodes racing here set the same password, so a
/// concurrent update is simply retried.
pub async fn provision_app_role(owner_url: &str, password: &str) -> Result<String, anyhow::Error> {
    let url = app_url(owner_url, password)?;
    if try_login(&url).await {
        return Ok(url);
    }
    let owner = PgPoolOptions::new().max_connections(1).connect_with(options(owner_url)?).await?;
    let mut last = None;
    for attempt in 0..5u64 {
        // The password is hex (from app_role_password) or rejected here, so
        // it can be written as a literal (ALTER ROLE takes no parameters).
        if !password.chars().all(|c| c.is_ascii_alphanumeric()) {
            anyhow::bail!("the database password of {APP_ROLE} must be alphanumeric");
        }
        match owner.execute(format!("ALTER ROLE {APP_ROLE} WITH LOGIN PASSWORD '{password}'").as_str()).await {
            Ok(_) => {
                last = None;
                break;
            }
            Err(e) => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(50 * (attempt + 1))).await;
            }
        }
    }
    owner.close().await;
    if let Some(e) = last {
        return Err(anyhow::anyhow!(
            "could not let the {APP_ROLE} role log in ({e}); the DATABASE_URL role needs CREATEROLE, or give WHATSFLOW_DATABASE_APP_URL"
        ));
    }
    Ok(url)
}

async fn try_login(url: &str) -> bool {
    match options(url) {
        Ok(o) => PgPoolOptions::new().max_connections(1).acquire_timeout(ACQUIRE_TIMEOUT).connect_with(o).await.is_ok_and(|p| {
            tokio::spawn(async move { p.close().await });
            true
        }),
        Err(_) => false,
    }
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
    pool.begin_with(begin_as(tenant)).await
}

/// `BEGIN` and the tenant's setting in one simple query, so a tenant's
/// transaction starts in one round trip instead of two. The id is a UUID
/// formatted here (hex digits and dashes), never a caller's string.
pub fn begin_as(tenant: TenantId) -> String {
    format!("BEGIN; SELECT set_config('app.tenant_id', '{}', true)", tenant.0.hyphenated())
}

/// Switches the current transaction to `tenant` (group commits span tenants).
pub async fn set_tenant(tx: &mut Transaction<'static, Postgres>, tenant: TenantId) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)").bind(tenant.0.to_string()).execute(&mut **tx).await?;
    Ok(())
}

/// Whether an error means "try again later" (→ 503, retry) rather than a
/// bug (→ 500): the database is unreachable, or the transaction lost a
/// serialization, deadlock or lock-timeout race.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed)
        || matches!(e, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c.starts_with("53")))
        || lost_race(e)
}

/// Whether the transaction lost a serialization, deadlock or lock-timeout
/// race: the same work succeeds when run again.
pub fn lost_race(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().is_some_and(|c| matches!(c.as_ref(), "40001" | "40P01" | "55P03")))
}
