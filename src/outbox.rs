//! Start-up recovery of sends: messages stored as pending with no wamid go
//! back to their outboxes. One handed to Meta before the stop (its
//! `send_attempted_at` is recorded before the request leaves) is an
//! uncertain send, held until the grace since then has passed: a status that
//! arrives meanwhile links the wamid and nothing is resent; otherwise it
//! becomes unconfirmed (or a bot's is resent if its flow asks). One never
//! handed over is sent as it would have been, on its sender's lane. Flow
//! runs waiting on timers are woken.

use crate::db::tenant_tx;
use sqlx::{PgPool, Row};
use whatsflow_actors::ids::{ContactId, MessageId, TenantId, Wamid};
use whatsflow_actors::outbound::Lane;
use whatsflow_actors::router::WebhookRouter;
use whatsflow_actors::send::cloud_api_body;
use whatsflow_actors::tenant::ResumeSend;

/// Which conversations a start-up (or a partition taken over) concerns:
/// all of them on one node, those of the new partitions with several.
pub type ConversationFilter<'a> = &'a (dyn Fn(whatsflow_actors::ids::ChannelId, ContactId) -> bool + Sync);

/// Wakes every flow run (of `only`'s conversations) waiting on a timer or
/// caught mid-step, by loading its conversation (which restarts the run
/// actor); returns how many.
pub async fn wake_flow_runs(pool: &PgPool, router: &WebhookRouter, only: ConversationFilter<'_>) -> Result<usize, sqlx::Error> {
    let mut woken = 0;
    let runs: Vec<(uuid::Uuid, uuid::Uuid)> =
        sqlx::query_as("SELECT tenant_id, conversation_id FROM active_flow_runs()").fetch_all(pool).await?;
    for (tenant, conversation) in &runs {
        let mut tx = tenant_tx(pool, TenantId(*tenant)).await?;
        let row = sqlx::query(
            "SELECT c.channel_id, c.contact_id, ch.phone_number_id, ch.messages_per_second FROM conversations c JOIN channels ch ON ch.id = c.channel_id WHERE c.id = $1",
        )
        .bind(conversation)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { continue };
        let channel = crate::store::channel_ref_from_row(TenantId(*tenant), &row)?;
        let contact_id = ContactId(row.try_get("contact_id")?);
        if !only(channel.channel_id, contact_id) {
            continue;
        }
        woken += 1;
        router.command(whatsflow_actors::tenant::ConversationCommand {
            channel,
            contact_id,
            work: whatsflow_actors::conversation::ConversationWork::Wake,
        });
    }
    Ok(woken)
}

/// Re-queues every pending send (of `only`'s conversations); returns how many.
pub async fn resume_pending_sends(
    pool: &PgPool,
    router: &WebhookRouter,
    grace: std::time::Duration,
    only: ConversationFilter<'_>,
) -> Result<usize, sqlx::Error> {
    let mut resumed = 0;
    let pending: Vec<(uuid::Uuid, uuid::Uuid)> =
        sqlx::query_as("SELECT tenant_id, message_id FROM pending_outbound()").fetch_all(pool).await?;
    for (tenant, message) in &pending {
        let mut tx = tenant_tx(pool, TenantId(*tenant)).await?;
        let row = sqlx::query(
            "SELECT m.type, m.content, m.context, c.channel_id, c.contact_id, ch.phone_number_id, ch.messages_per_second, k.phone, k.wa_user_id,
                    m.send_attempted_at IS NOT NULL AS attempted, COALESCE(m.sent_by->>'kind', 'agent') AS sender,
                    EXTRACT(EPOCH FROM (now() - COALESCE(m.send_attempted_at, m.created_at)))::float8 AS age_secs
             FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN channels ch ON ch.id = c.channel_id
             JOIN contacts k ON k.id = c.contact_id WHERE m.id = $1",
        )
        .bind(message)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { continue };
        let contact_id = ContactId(row.try_get("contact_id")?);
        if !only(whatsflow_actors::ids::ChannelId(row.try_get("channel_id")?), contact_id) {
            continue;
        }
        resumed += 1;
        let kind: String = row.try_get("type")?;
        let content: serde_json::Value = row.try_get("content")?;
        let context: Option<serde_json::Value> = row.try_get("context")?;
        let reply_to = context.as_ref().and_then(|c| c["id"].as_str()).map(|w| Wamid(w.to_owned()));
        let phone: Option<String> = row.try_get("phone")?;
        let user_id: Option<String> = row.try_get("wa_user_id")?;
        let body = cloud_api_body(&kind, &content, reply_to.as_ref(), phone.as_deref(), user_id.as_deref(), &message.to_string());
        let channel = crate::store::channel_ref_from_row(TenantId(*tenant), &row)?;
        let age = std::time::Duration::from_secs_f64(row.try_get::<f64, _>("age_secs")?.max(0.0));
        let sender: String = row.try_get("sender")?;
        router.tenant(channel.tenant_id).do_send(ResumeSend {
            channel,
            contact_id,
            message_id: MessageId(*message),
            body,
            wait: grace.saturating_sub(age),
            attempted: row.try_get("attempted")?,
            lane: match sender.as_str() {
                "agent" | "api" => Lane::Live,
                "campaign" => Lane::Broadcast,
                _ => Lane::Bulk,
            },
        });
    }
    Ok(resumed)
}
