//! GDPR's rows: one contact's data as JSON, its erasure, a tenant's full
//! export (table by table, secrets left out) and its deletion schedule.

use super::{DbError, TenantDb};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use whatsflow_actors::ids::{ContactId, TenantId};

/// What an erasure removed.
#[derive(Debug, Clone, Default, serde::Serialize, ts_rs::TS)]
pub struct Erased {
    /// Messages whose bodies were emptied.
    pub messages: i64,
    /// Internal notes deleted.
    pub notes: i64,
    /// Campaign rows emptied (recipients and uploaded CSV lines).
    pub campaign_rows: i64,
    /// Raw webhooks emptied.
    pub webhooks: i64,
}

/// Tables of a tenant's full export and the columns never exported
/// (secrets, hashes, and the inbox's derived sort key).
pub const EXPORT_TABLES: &[(&str, &[&str])] = &[
    ("users", &["password_hash", "totp_secret", "totp_pending_secret", "recovery_codes", "token_version", "failed_logins", "locked_until"]),
    ("channels", &["access_token_enc"]),
    ("contacts", &[]),
    ("conversations", &["inbox_minute"]),
    ("messages", &[]),
    ("notes", &[]),
    ("templates", &[]),
    ("flows", &[]),
    ("flow_runs", &[]),
    ("campaigns", &[]),
    ("campaign_recipients", &[]),
    ("segments", &[]),
    ("api_keys", &["key_hash"]),
    ("invoices", &[]),
    ("subscriptions", &[]),
    ("billing_details", &[]),
    ("audit_log", &[]),
];

/// Most rows one table of an export holds.
pub const EXPORT_ROW_LIMIT: i64 = 1_000_000;

impl TenantDb<'_> {
    /// Everything the tenant holds about one contact (None: no such contact).
    pub async fn contact_export(&self, id: ContactId) -> Result<Option<Value>, DbError> {
        let mut tx = self.tx().await?;
        let v: Option<Value> = sqlx::query_scalar(
            "SELECT jsonb_build_object(
                'contact', to_jsonb(k),
                'conversations', COALESCE((SELECT jsonb_agg((to_jsonb(c) - 'inbox_minute') || jsonb_build_object(
                    'messages', COALESCE((SELECT jsonb_agg(to_jsonb(m) ORDER BY m.seq) FROM messages m WHERE m.conversation_id = c.id), '[]'),
                    'notes', COALESCE((SELECT jsonb_agg(to_jsonb(n) ORDER BY n.created_at) FROM notes n WHERE n.conversation_id = c.id), '[]'),
                    'flow_runs', COALESCE((SELECT jsonb_agg(to_jsonb(r) ORDER BY r.started_at) FROM flow_runs r WHERE r.conversation_id = c.id), '[]')
                ) ORDER BY c.created_at) FROM conversations c WHERE c.contact_id = k.id), '[]'),
                'campaigns', COALESCE((SELECT jsonb_agg(jsonb_build_object('campaign_id', r.campaign_id, 'campaign', ca.name,
                    'status', r.status, 'parameters', r.parameters, 'skip_reason', r.skip_reason, 'updated_at', r.updated_at) ORDER BY r.updated_at)
                    FROM campaign_recipients r JOIN campaigns ca ON ca.id = r.campaign_id WHERE r.contact_id = k.id), '[]'),
                'exported_at', now())
             FROM contacts k WHERE k.id = $1",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Erases one contact: their messages' bodies (and media references),
    /// quoted context, reactions and referrals emptied, notes about them
    /// deleted, flow variables cleared, campaign rows emptied, held events
    /// and dead letters dropped, and their identity anonymised. Message rows
    /// stay (counts and the monthly usage do not change). None: no such
    /// contact. Raw webhooks are emptied by the caller (they are platform
    /// rows).
    pub async fn erase_contact(&self, id: ContactId) -> Result<Option<(Erased, Vec<String>, Vec<String>)>, DbError> {
        let mut tx = self.tx().await?;
        let who: Option<(Option<String>, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT phone, wa_user_id, username FROM contacts WHERE id = $1 FOR UPDATE")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((phone, user_id, username)) = who else { return Ok(None) };
        let wamids: Vec<String> = sqlx::query_scalar(
            "SELECT m.wamid FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.contact_id = $1 AND m.wamid IS NOT NULL",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        let messages = sqlx::query(
            "UPDATE messages m SET content = '{\"erased\": true}', context = NULL, referral = NULL, reaction = NULL
             FROM conversations c WHERE c.id = m.conversation_id AND c.contact_id = $1",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let notes = sqlx::query("DELETE FROM notes n USING conversations c WHERE c.id = n.conversation_id AND c.contact_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE flow_runs r SET vars = '{}', waiting = NULL FROM conversations c WHERE c.id = r.conversation_id AND c.contact_id = $1",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        // The bot's hand-off notes may quote what the customer said.
        sqlx::query(
            "UPDATE conversation_activity a SET detail = NULL FROM conversations c
             WHERE c.id = a.conversation_id AND c.contact_id = $1 AND a.kind = 'handoff'",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let recipients = sqlx::query("UPDATE campaign_recipients SET phone = NULL, parameters = '{}' WHERE contact_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let lines = match &phone {
            Some(p) => sqlx::query("DELETE FROM campaign_audience_rows WHERE phone = $1").bind(p).execute(&mut *tx).await?.rows_affected(),
            None => 0,
        };
        sqlx::query("DELETE FROM held_events WHERE target_wamid = ANY($1)").bind(&wamids).execute(&mut *tx).await?;
        // No sequence goes on reaching them, and nothing written for them waits to go.
        sqlx::query(
            "UPDATE drip_enrollments SET state = 'exited', exit_reason = 'contact_gone', ended_at = now(), claimed = false, updated_at = now()
             WHERE contact_id = $1 AND state = 'active'",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM scheduled_messages s USING conversations c WHERE c.id = s.conversation_id AND c.contact_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM dead_letters WHERE contact_id = $1").bind(id.0).execute(&mut *tx).await?;
        // What teamwork kept of them: smart-reply memory, survey comments,
        // queued internal events and the bodies of outbound webhook deliveries.
        sqlx::query("DELETE FROM answer_memory a USING conversations c WHERE c.id = a.conversation_id AND c.contact_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE csat_responses r SET comment = NULL FROM conversations c WHERE c.id = r.conversation_id AND c.contact_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let theirs = "(SELECT id::text FROM conversations WHERE contact_id = $1 UNION SELECT $1::text)";
        sqlx::query(&format!(
            "DELETE FROM tenant_events WHERE data->>'conversation_id' IN {theirs} OR data->>'id' IN {theirs} OR data->'contact'->>'id' = $1::text"
        ))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE webhook_deliveries SET payload = jsonb_set(payload, '{{data}}', '{{\"erased\": true}}')
             WHERE payload->'data'->>'conversation_id' IN {theirs} OR payload->'data'->>'id' IN {theirs}
                OR payload->'data'->'contact'->>'id' = $1::text"
        ))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE contacts SET phone = NULL, wa_user_id = 'erased:' || id::text, username = NULL, name = NULL, tags = '{}',
                 custom_fields = '{}', opted_in = false, erased_at = now(), updated_at = now()
             WHERE id = $1",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let numbers: Vec<String> = sqlx::query_scalar("SELECT phone_number_id FROM channels").fetch_all(&mut *tx).await?;
        tx.commit().await?;
        // The raw webhook fields that name this customer exactly.
        let mut fields = Vec::new();
        if let Some(p) = phone {
            let digits = p.trim_start_matches('+').to_owned();
            fields.extend(["wa_id", "from", "recipient_id"].map(|f| format!("\"{f}\":\"{digits}\"")));
        }
        if let Some(u) = user_id {
            fields.extend(["user_id", "from_user_id", "recipient_user_id"].map(|f| format!("\"{f}\":\"{u}\"")));
        }
        if let Some(u) = username {
            fields.push(format!("\"username\":\"{u}\""));
        }
        let erased = Erased {
            messages: i64::try_from(messages).unwrap_or(i64::MAX),
            notes: i64::try_from(notes).unwrap_or(i64::MAX),
            campaign_rows: i64::try_from(recipients + lines).unwrap_or(i64::MAX),
            webhooks: 0,
        };
        Ok(Some((erased, fields, numbers)))
    }

    /// One table of the tenant's export as JSON lines (secret columns left
    /// out), at most [`EXPORT_ROW_LIMIT`] rows.
    pub async fn export_table(&self, table: &str, hidden: &[&str]) -> Result<Vec<String>, DbError> {
        let mut tx = self.tx().await?;
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT (to_jsonb(x) - $1::text[])::text FROM {table} x LIMIT $2"))
            .bind(hidden.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            .bind(EXPORT_ROW_LIMIT)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// When the tenant's deletion is due (None: not scheduled).
    pub async fn deletion_due(&self) -> Result<Option<DateTime<Utc>>, DbError> {
        let mut tx = self.tx().await?;
        let due = sqlx::query_scalar("SELECT deletion_due_at FROM tenants WHERE id = $1").bind(self.tenant.0).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(due)
    }

    /// Schedules (Some) or cancels (None) the tenant's deletion.
    pub async fn schedule_deletion(&self, at: Option<DateTime<Utc>>) -> Result<(), DbError> {
        let mut tx = self.tx().await?;
        sqlx::query("UPDATE tenants SET deletion_due_at = $2 WHERE id = $1").bind(self.tenant.0).bind(at).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Empties the settled raw webhooks of the tenant's `numbers` in which one
/// of `fields` (`"wa_id":"…"` and the like) names the erased customer.
pub async fn erase_inbox_mentions(pool: &PgPool, fields: &[String], numbers: &[String]) -> Result<i64, DbError> {
    if fields.is_empty() || numbers.is_empty() {
        return Ok(0);
    }
    Ok(sqlx::query_scalar("SELECT erase_inbox_mentions($1, $2)").bind(fields).bind(numbers).fetch_one(pool).await?)
}

/// Deletes the tenants whose grace period ended: each tenant with the
/// people removed from it.
pub async fn purge_due_tenants(pool: &PgPool) -> Result<Vec<(TenantId, Vec<whatsflow_actors::ids::UserId>)>, DbError> {
    let rows: Vec<(uuid::Uuid, Option<uuid::Uuid>)> =
        sqlx::query_as("SELECT tenant_id, user_id FROM purge_due_tenants()").fetch_all(pool).await?;
    let mut out: Vec<(TenantId, Vec<whatsflow_actors::ids::UserId>)> = Vec::new();
    for (t, u) in rows {
        match out.iter_mut().find(|(x, _)| x.0 == t) {
            Some((_, users)) => users.extend(u.map(whatsflow_actors::ids::UserId)),
            None => out.push((TenantId(t), u.map(whatsflow_actors::ids::UserId).into_iter().collect())),
        }
    }
    Ok(out)
}
