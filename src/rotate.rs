//! `whatsflow rotate-key`: re-seals every stored secret (channel access
//! tokens, tenant apps' secrets and verify tokens) under the current
//! `WHATSFLOW_MASTER_KEY`, opening them with it or any
//! `WHATSFLOW_MASTER_KEY_PREVIOUS`, in one transaction: it either rotates
//! everything or nothing. Secrets of the first format (no key id, no
//! associated data) are upgraded on the way.

use crate::config::Config;
use crate::crypto::{Sealed, SecretBox};
use anyhow::Context as _;
use sqlx::postgres::PgPoolOptions;
use whatsflow_actors::ids::TenantId;

/// What a rotation did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RotateReport {
    /// Secrets re-sealed under the current key.
    pub resealed: u64,
    /// Secrets already under the current key.
    pub current: u64,
}

/// Rotates the secrets of the database `owner_url` (its owner: row-level
/// security lets it see every tenant's rows).
pub async fn rotate(owner_url: &str, secrets: &SecretBox) -> anyhow::Result<RotateReport> {
    let pool = PgPoolOptions::new().max_connections(1).connect(owner_url).await.context("connecting to the database")?;
    let mut tx = pool.begin().await?;
    let mut report = RotateReport::default();
    // (table, sealed column, the row key bound into the ciphertext, what it is)
    let columns = [
        ("channels", "access_token_enc", "id::text", Sealed::AccessToken),
        ("meta_apps", "app_secret_enc", "app_id", Sealed::AppSecret),
        ("meta_apps", "verify_token_enc", "app_id", Sealed::VerifyToken),
        ("users", "totp_secret", "id::text", Sealed::TotpSecret),
        ("users", "totp_pending_secret", "id::text", Sealed::TotpPending),
        ("outbound_webhooks", "secret_enc", "id::text", Sealed::WebhookSecret),
    ];
    let secrets = secrets.clone().opening_legacy();
    for (table, column, row_key, what) in columns {
        let rows: Vec<(uuid::Uuid, uuid::Uuid, String, Vec<u8>)> = sqlx::query_as(&format!(
            "SELECT id, tenant_id, {row_key} AS row_key, {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id FOR UPDATE"
        ))
        .fetch_all(&mut *tx)
        .await?;
        for (id, tenant, key, sealed) in rows {
            let context = what.context(TenantId(tenant), &key);
            if secrets.is_current(&sealed) && secrets.open(&sealed, &context).is_ok() {
                report.current += 1;
                continue;
            }
            let plain = secrets.open(&sealed, &context).with_context(|| {
                format!("{table}.{column} of row {id} opens with neither WHATSFLOW_MASTER_KEY nor WHATSFLOW_MASTER_KEY_PREVIOUS; nothing was changed")
            })?;
            sqlx::query(&format!("UPDATE {table} SET {column} = $2 WHERE id = $1"))
                .bind(id)
                .bind(secrets.seal(&plain, &context))
                .execute(&mut *tx)
                .await?;
            report.resealed += 1;
        }
    }
    tx.commit().await?;
    pool.close().await;
    Ok(report)
}

/// The command: the configured database, the configured keys.
pub async fn run(config: &Config) -> anyhow::Result<RotateReport> {
    let (url, embedded) = crate::startup::owner_database(config).await?;
    let secrets = SecretBox::with_previous(&config.master_key, &config.previous_master_keys);
    let result = rotate(&url, &secrets).await;
    if let Some(pg) = embedded {
        if let Err(e) = pg.stop().await {
            tracing::warn!(error = %e, "stopping embedded Postgres");
        }
    }
    result
}
