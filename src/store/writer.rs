//! Conversation batches, committed in groups: every batch waiting (up to
//! [`MAX_BATCHES_PER_COMMIT`]) goes into one transaction, with one statement
//! per kind of write per tenant, whatever the number of conversations
//! (see [`crate::store::group`] for the queue and the retry-alone rule).

use crate::store::group::{GroupCommit, GroupLimits, GroupTx, GroupWork};
use crate::store::keywords::{ConsentKeywords, MAX_KEYWORD_CHARS};
use crate::store::snapshot_from_row;
use crate::webhooks_out::interest::WebhookInterest;
use async_trait::async_trait;
use serde_json::{json, Value};
use sqlx::{PgPool, Row};
use std::collections::HashMap;
use std::sync::Arc;
use whatsflow_actors::fence::Fence;
use whatsflow_actors::ids::{ConversationId, MessageId, TenantId, Wamid};
use whatsflow_actors::message::{Direction, MessageStatus, SentBy};
use whatsflow_actors::ports::{AppliedStatus, BatchOutcome, ConversationBatch, HeldEvent};

/// Most batches one transaction takes: bounds one commit's duration.
pub const MAX_BATCHES_PER_COMMIT: usize = 512;

/// Meta's error code for "this recipient has chosen to stop receiving marketing messages".
const META_MARKETING_STOPPED: i64 = 131050;
/// Batches waiting for a writer; actors wait (asynchronously) when it is full,
/// which is the backpressure from Postgres to ingest.
const QUEUE_CAPACITY: usize = 8192;

/// Commits conversation batches (the [`GroupWork`] of the batch writer).
pub struct ConversationWrites {
    /// The tenants' STOP / START keywords.
    keywords: Arc<ConsentKeywords>,
    /// Which tenants' endpoints want message events.
    hooks: Arc<WebhookInterest>,
}

#[async_trait]
impl GroupWork for ConversationWrites {
    type Job = ConversationBatch;
    type Output = BatchOutcome;

    fn tenant(batch: &ConversationBatch) -> TenantId {
        batch.tenant_id
    }

    /// Every batch's fence, for the whole group at once (in partition
    /// order, whatever the tenants).
    async fn before(&self, tx: &mut GroupTx, batches: &[&ConversationBatch]) -> Result<(), sqlx::Error> {
        check_fences(tx, batches.iter().filter_map(|b| b.fence)).await
    }

    async fn run_tenant(
        &self,
        tx: &mut GroupTx,
        tenant: TenantId,
        batches: &[&ConversationBatch],
    ) -> Result<Vec<Option<BatchOutcome>>, sqlx::Error> {
        let outcomes = commit_tenant(tx, tenant, batches, &self.keywords).await?;
        emit_message_events(tx, tenant, &outcomes, batches, &self.hooks).await?;
        settle_inbox_rows(tx, batches).await?;
        Ok(outcomes.into_iter().map(Some).collect())
    }
}

/// The error a group fails with when one of its batches was written under
/// a partition lease that has moved on (see [`check_fences`]).
pub const FENCED: &str = "fenced: a newer owner holds this conversation's partition";

/// Several nodes: refuses the group unless every batch's lease is still the
/// partition's current one and unexpired (see [`current_fences`]): a node
/// that lost its lease (paused, cut off) writes nothing.
pub async fn check_fences(tx: &mut GroupTx, fences: impl Iterator<Item = Fence>) -> Result<(), sqlx::Error> {
    let fences: Vec<Fence> = fences.collect();
    let current = current_fences(tx, &fences).await?;
    if fences.iter().any(|f| !current.contains(f)) {
        return Err(sqlx::Error::Protocol(FENCED.into()));
    }
    Ok(())
}

/// Which of `fences` are still their partition's current, unexpired lease.
/// Their epoch rows are share-locked (in partition order) until `tx`
/// commits, so a node taking a partition over waits for writes under the
/// old epoch to finish, and every later one sees the new epoch. Renewals
/// touch only the lease rows: they never wait on writes. No query at all
/// without fences (one node).
pub async fn current_fences(tx: &mut sqlx::PgConnection, fences: &[Fence]) -> Result<Vec<Fence>, sqlx::Error> {
    let mut fences: Vec<Fence> = fences.to_vec();
    if fences.is_empty() {
        return Ok(fences);
    }
    fences.sort_unstable_by_key(|f| (f.partition, f.epoch));
    fences.dedup();
    let partitions: Vec<i32> = fences.iter().map(|f| i32::from(f.partition)).collect();
    let epochs: Vec<i64> = fences.iter().map(|f| f.epoch).collect();
    let rows: Vec<(i32, i64)> = sqlx::query_as(
        "SELECT e.partition, e.epoch FROM partition_epochs e
         JOIN unnest($1::int[], $2::bigint[]) AS f(partition, epoch) ON e.partition = f.partition AND e.epoch = f.epoch
         WHERE EXISTS (SELECT 1 FROM partition_leases l WHERE l.partition = e.partition AND l.expires_at > now())
         ORDER BY e.partition
         FOR SHARE OF e",
    )
    .bind(&partitions)
    .bind(&epochs)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().filter_map(|(p, epoch)| Some(Fence { partition: u16::try_from(p).ok()?, epoch })).collect())
}

/// Deletes the webhook inbox rows whose last pending event these batches
/// store, in the same transaction: the POST is then done in one commit
/// (its raw body is kept only while something of it is pending, or when it
/// carries notes). A rollback keeps the rows, so they are settled (or
/// replayed) as before.
async fn settle_inbox_rows(tx: &mut GroupTx, batches: &[&ConversationBatch]) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = batches.iter().flat_map(|b| b.settles.iter().copied()).collect();
    if ids.is_empty() {
        return Ok(());
    }
    // A row already settled with notes (another node's processing) keeps them.
    sqlx::query("DELETE FROM webhook_inbox WHERE id = ANY($1) AND processed_at IS NULL").bind(&ids).execute(&mut **tx).await?;
    Ok(())
}

/// Handle to the batch writer tasks.
pub type BatchWriter = GroupCommit<ConversationWrites>;

/// Starts `tasks` batch writer tasks on the current runtime.
pub fn start_batch_writer(pool: PgPool, tasks: usize, keywords: Arc<ConsentKeywords>, hooks: Arc<WebhookInterest>) -> BatchWriter {
    GroupCommit::start(
        pool,
        ConversationWrites { keywords, hooks },
        GroupLimits { tasks, max_per_commit: MAX_BATCHES_PER_COMMIT, queue: QUEUE_CAPACITY },
    )
}

/// The outbound-webhook events of what was committed (new inbound messages,
/// statuses that moved on), in the same transaction, when the tenant has
/// endpoints that want them.
async fn emit_message_events(
    tx: &mut GroupTx,
    tenant: TenantId,
    outcomes: &[BatchOutcome],
    batches: &[&ConversationBatch],
    hooks: &WebhookInterest,
) -> Result<(), sqlx::Error> {
    let any_new = outcomes.iter().any(|o| !o.inserted.is_empty());
    let any_status = outcomes.iter().any(|o| !o.statuses_applied.is_empty());
    if !any_new && !any_status {
        return Ok(());
    }
    let wants = hooks.of(tx, tenant).await?;
    if wants.received && any_new {
        let inbound: std::collections::HashSet<&MessageId> =
            batches.iter().flat_map(|b| b.messages.iter()).filter(|m| m.direction == Direction::Inbound).map(|m| &m.id).collect();
        let ids: Vec<uuid::Uuid> =
            outcomes.iter().flat_map(|o| o.inserted.iter()).filter(|id| inbound.contains(id)).map(|id| id.0).collect();
        if !ids.is_empty() {
            sqlx::query("SELECT webhook_emit_messages($1, $2)").bind(tenant.0).bind(ids).execute(&mut **tx).await?;
        }
    }
    if (wants.status || wants.failures) && any_status {
        // Endpoints hear every status; the server's own rules only failures.
        let ids: Vec<uuid::Uuid> = outcomes
            .iter()
            .flat_map(|o| o.statuses_applied.iter())
            .filter(|s| wants.status || s.status == MessageStatus::Failed)
            .map(|s| s.message_id.0)
            .collect();
        if !ids.is_empty() {
            sqlx::query("SELECT webhook_emit_statuses($1, $2)").bind(tenant.0).bind(ids).execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// Closes up a batch's numbers. The actor numbers every event when it plans
/// the batch, but some turn out to do nothing: a duplicate of a stored
/// message (Meta's retry, or a hand-off that reached its owner twice), a
/// status that does not move its message on, a status parked until its
/// message arrives. What was applied is renumbered in order from the
/// conversation's previous `last_seq`, so its numbers run 1, 2, 3… with no
/// hole, and an agent can tell a frame it missed from one that never
/// existed. Pure: returns the batch's last number and the moves (old →
/// new) its stored rows need (see [`apply_moves`]); the outcome's frames
/// are renumbered here. The common batch, where everything applied, moves
/// nothing.
fn close_up(batch: &ConversationBatch, outcome: &mut BatchOutcome) -> (i64, Vec<(i64, i64)>) {
    let planned = i64::try_from(batch.messages.len() + batch.statuses.len() + batch.outbound.len()).unwrap_or(i64::MAX);
    let base = batch.last_seq - planned;
    let inserted: std::collections::HashSet<&MessageId> = outcome.inserted.iter().collect();
    let mut used: Vec<i64> = batch
        .messages
        .iter()
        .filter(|m| inserted.contains(&m.id))
        .map(|m| m.seq)
        .chain(outcome.statuses_applied.iter().map(|s| s.seq))
        .filter(|&seq| seq > base && seq <= batch.last_seq)
        .collect();
    used.sort_unstable();
    used.dedup();
    let used_count = i64::try_from(used.len()).unwrap_or(i64::MAX);
    if used_count == planned {
        return (batch.last_seq, Vec::new());
    }
    let moves: Vec<(i64, i64)> = used.iter().zip(base + 1..).filter(|(old, new)| **old != *new).map(|(o, n)| (*o, n)).collect();
    if !moves.is_empty() {
        let moved: HashMap<i64, i64> = moves.iter().copied().collect();
        for s in &mut outcome.statuses_applied {
            if let Some(&new) = moved.get(&s.seq) {
                s.seq = new;
            }
        }
        outcome.renumbered = moved;
    }
    (base + used_count, moves)
}

/// Stores the moves [`close_up`] found, for every conversation of a tenant's
/// group in one statement: a row's `seq` and `status_seq` above its batch's
/// base are this batch's own, and move with their number.
async fn apply_moves(tx: &mut GroupTx, tenant: TenantId, moves: &[(ConversationId, i64, i64)]) -> Result<(), sqlx::Error> {
    if moves.is_empty() {
        return Ok(());
    }
    let conversations: Vec<uuid::Uuid> = moves.iter().map(|(c, _, _)| c.0).collect();
    let from: Vec<i64> = moves.iter().map(|(_, o, _)| *o).collect();
    let to: Vec<i64> = moves.iter().map(|(_, _, n)| *n).collect();
    sqlx::query(
        "WITH mv AS (SELECT * FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS x(conversation_id, old, new)),
              lo AS (SELECT conversation_id, min(old) AS base FROM mv GROUP BY conversation_id),
              hit AS (
                  SELECT m.id, s.new AS new_seq, t.new AS new_status_seq
                  FROM lo JOIN messages m ON m.tenant_id = $1 AND m.conversation_id = lo.conversation_id
                                         AND (m.seq >= lo.base OR m.status_seq >= lo.base)
                  LEFT JOIN mv s ON s.conversation_id = m.conversation_id AND s.old = m.seq
                  LEFT JOIN mv t ON t.conversation_id = m.conversation_id AND t.old = m.status_seq
                  WHERE s.new IS NOT NULL OR t.new IS NOT NULL)
         UPDATE messages m SET seq = COALESCE(hit.new_seq, m.seq), status_seq = COALESCE(hit.new_status_seq, m.status_seq)
         FROM hit WHERE m.tenant_id = $1 AND m.id = hit.id",
    )
    .bind(tenant.0)
    .bind(&conversations)
    .bind(&from)
    .bind(&to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One tenant's batches: one statement per kind of write; one outcome per batch.
async fn commit_tenant(
    tx: &mut GroupTx,
    tenant: TenantId,
    batches: &[&ConversationBatch],
    keywords: &ConsentKeywords,
) -> Result<Vec<BatchOutcome>, sqlx::Error> {
    let mut outcomes = vec![BatchOutcome::default(); batches.len()];
    let idxs: Vec<usize> = (0..batches.len()).collect();
    let idxs = idxs.as_slice();
    let by_conversation: HashMap<ConversationId, usize> = idxs.iter().map(|&i| (batches[i].conversation_id, i)).collect();
    // 1. New messages; duplicates (same wamid) are skipped.
    let mut message_rows = Vec::new();
    let mut wamid_owner: HashMap<Wamid, usize> = HashMap::new();
    for &i in idxs {
        for m in &batches[i].messages {
            if let Some(w) = &m.wamid {
                wamid_owner.insert(w.clone(), i);
            }
            message_rows.push(json!({
                "id": m.id, "conversation_id": batches[i].conversation_id, "seq": m.seq, "wamid": m.wamid,
                "direction": m.direction.as_str(), "type": m.kind, "status": m.status.as_str(), "content": m.content,
                "context": m.context, "referral": m.referral, "errors": m.errors, "sent_by": m.sent_by, "timestamp": m.timestamp,
                "client_id": m.client_id,
            }));
        }
    }
    let mut inserted_wamids: Vec<String> = Vec::new();
    if !message_rows.is_empty() {
        let rows = sqlx::query(
            "INSERT INTO messages (id, tenant_id, conversation_id, seq, status_seq, wamid, direction, type, status, content,
                                   context, referral, errors, sent_by, timestamp, client_id)
             SELECT r.id, $1, r.conversation_id, r.seq, r.seq, r.wamid, r.direction, r.type, r.status, COALESCE(r.content, '{}'),
                    r.context, r.referral, r.errors, r.sent_by, r.timestamp, r.client_id
             FROM jsonb_to_recordset($2) AS r(id uuid, conversation_id uuid, seq bigint, wamid text, direction text, type text,
                  status text, content jsonb, context jsonb, referral jsonb, errors jsonb, sent_by jsonb, timestamp timestamptz, client_id text)
             ON CONFLICT DO NOTHING
             RETURNING id, conversation_id, wamid",
        )
        .bind(tenant.0)
        .bind(Value::Array(message_rows))
        .fetch_all(&mut **tx)
        .await?;
        for row in rows {
            let cid = ConversationId(row.try_get("conversation_id")?);
            if let Some(&i) = by_conversation.get(&cid) {
                outcomes[i].inserted.push(MessageId(row.try_get("id")?));
            }
            if let Some(w) = row.try_get::<Option<String>, _>("wamid")? {
                inserted_wamids.push(w);
            }
        }
    }

    // 1a. A customer's whole message that is a STOP / START keyword changes
    //     their marketing consent (short texts only are even looked at).
    let asked: Vec<(ConversationId, &str, chrono::DateTime<chrono::Utc>)> = idxs
        .iter()
        .flat_map(|&i| batches[i].messages.iter().map(move |m| (i, m)))
        .filter(|(i, m)| m.direction == Direction::Inbound && m.kind == "text" && outcomes[*i].inserted.contains(&m.id))
        .filter_map(|(i, m)| {
            let body = m.content["body"].as_str()?;
            (body.len() <= 4 * MAX_KEYWORD_CHARS).then_some((batches[i].conversation_id, body, m.timestamp))
        })
        .collect();
    if !asked.is_empty() {
        let lists = keywords.get(tx, tenant).await?;
        for (conversation, body, at) in asked {
            if let Some(opted_in) = lists.consent_asked(body) {
                sqlx::query(
                    "UPDATE contacts k SET opted_in = $2, consent_changed_at = $3, updated_at = now()
                     FROM conversations c WHERE c.tenant_id = $4 AND c.id = $1 AND k.tenant_id = $4 AND k.id = c.contact_id
                       AND (k.consent_changed_at IS NULL OR k.consent_changed_at <= $3)",
                )
                .bind(conversation.0)
                .bind(opted_in)
                .bind(at)
                .bind(tenant.0)
                .execute(&mut **tx)
                .await?;
            }
        }
    }

    // 1b. Send results: Meta's wamid (accepted) or error (failed). A wamid
    //     already linked by a status webhook is kept.
    let mut outbound_rows = Vec::new();
    let mut outbound_owner: HashMap<MessageId, usize> = HashMap::new();
    for &i in idxs {
        for u in &batches[i].outbound {
            outbound_owner.insert(u.message_id, i);
            outbound_rows
                .push(json!({"id": u.message_id, "wamid": u.wamid, "status": u.status.as_str(), "errors": u.errors, "seq": u.seq}));
        }
    }
    if !outbound_rows.is_empty() {
        let rows = sqlx::query(
            "UPDATE messages m SET
                wamid = COALESCE(m.wamid, r.wamid),
                status = CASE WHEN message_status_rank(r.status) > message_status_rank(m.status) THEN r.status ELSE m.status END,
                status_seq = CASE WHEN message_status_rank(r.status) > message_status_rank(m.status) THEN r.seq ELSE m.status_seq END,
                errors = COALESCE(r.errors, m.errors),
                failed_at = CASE WHEN r.status = 'failed' THEN COALESCE(m.failed_at, now()) ELSE m.failed_at END
             FROM jsonb_to_recordset($2) AS r(id uuid, wamid text, status text, errors jsonb, seq bigint)
             WHERE m.tenant_id = $1 AND m.id = r.id AND m.id = ANY($3)
             RETURNING m.id, m.wamid, m.status, (m.status_seq = r.seq) AS advanced, m.errors, r.seq",
        )
        .bind(tenant.0)
        .bind(Value::Array(outbound_rows))
        .bind(outbound_owner.keys().map(|id| id.0).collect::<Vec<_>>())
        .fetch_all(&mut **tx)
        .await?;
        for row in rows {
            let id = MessageId(row.try_get("id")?);
            let wamid: Option<String> = row.try_get("wamid")?;
            let Some(&i) = outbound_owner.get(&id) else { continue };
            if let Some(w) = &wamid {
                inserted_wamids.push(w.clone());
                wamid_owner.insert(Wamid(w.clone()), i);
            }
            if row.try_get::<bool, _>("advanced")? {
                let status: String = row.try_get("status")?;
                let seq: i64 = row.try_get("seq")?;
                outcomes[i].statuses_applied.push(AppliedStatus {
                    message_id: id,
                    wamid: Wamid(wamid.unwrap_or_default()),
                    status: MessageStatus::parse(&status).unwrap_or(MessageStatus::Accepted),
                    seq,
                    errors: row.try_get("errors")?,
                });
            }
        }
    }

    let mut held: Vec<(usize, HeldEvent)> = Vec::new();

    // 2. Reactions onto their target messages (the last one per target wins).
    let mut reaction_rows: HashMap<&Wamid, (usize, Value)> = HashMap::new();
    for &i in idxs {
        for r in &batches[i].reactions {
            reaction_rows.insert(&r.target, (i, json!({"target": r.target, "emoji": r.emoji, "at": r.at, "seq": r.seq})));
        }
    }
    if !reaction_rows.is_empty() {
        let rows: Vec<Value> = reaction_rows.values().map(|(_, v)| v.clone()).collect();
        let applied = sqlx::query(
            "UPDATE messages m SET reaction = CASE WHEN r.emoji IS NULL THEN NULL ELSE jsonb_build_object('emoji', r.emoji, 'at', r.at) END
             FROM jsonb_to_recordset($2) AS r(target text, emoji text, at timestamptz, seq bigint)
             WHERE m.tenant_id = $1 AND m.wamid = r.target AND m.wamid = ANY($3)
             RETURNING m.id, r.target, r.seq",
        )
        .bind(tenant.0)
        .bind(Value::Array(rows))
        .bind(reaction_rows.keys().map(|w| w.as_str().to_owned()).collect::<Vec<_>>())
        .fetch_all(&mut **tx)
        .await?;
        let mut found = std::collections::HashSet::new();
        for row in applied {
            let target: String = row.try_get("target")?;
            if let Some((i, _)) = reaction_rows.get(&Wamid(target.clone())) {
                outcomes[*i].reactions_applied.push((MessageId(row.try_get("id")?), row.try_get("seq")?));
            }
            found.insert(target);
        }
        for &i in idxs {
            for r in &batches[i].reactions {
                if !found.contains(r.target.as_str()) {
                    held.push((i, HeldEvent::Reaction(r.clone())));
                }
            }
        }
    }

    // 3. Statuses, monotonically: a status only replaces a lower one, while
    //    pricing, errors and timestamps from late statuses are still kept.
    let mut status_rows = Vec::new();
    let mut status_owner: HashMap<&Wamid, usize> = HashMap::new();
    for &i in idxs {
        for s in &batches[i].statuses {
            status_owner.insert(&s.wamid, i);
            status_rows.push(json!({
                "wamid": s.wamid, "status": s.status.as_str(), "seq": s.seq, "sent_at": s.sent_at, "delivered_at": s.delivered_at,
                "read_at": s.read_at, "failed_at": s.failed_at, "errors": s.errors, "pricing": s.pricing, "conversation": s.conversation,
            }));
        }
    }
    // A status echoing our message id links its wamid to a send whose
    // response was lost (so that send is never repeated).
    let links: Vec<(uuid::Uuid, &Wamid)> = idxs
        .iter()
        .flat_map(|&i| batches[i].statuses.iter())
        .filter_map(|s| s.callback_data.as_deref().and_then(|c| c.parse::<uuid::Uuid>().ok()).map(|id| (id, &s.wamid)))
        .collect();
    if !links.is_empty() {
        let link_ids: Vec<uuid::Uuid> = links.iter().map(|(id, _)| *id).collect();
        let links: Vec<Value> = links.iter().map(|(id, wamid)| json!({"id": id, "wamid": wamid})).collect();
        sqlx::query(
            "UPDATE messages m SET wamid = r.wamid
             FROM jsonb_to_recordset($2) AS r(id uuid, wamid text)
             WHERE m.tenant_id = $1 AND m.id = r.id AND m.id = ANY($3) AND m.wamid IS NULL AND m.direction = 'outbound'
               AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.tenant_id = $1 AND o.wamid = r.wamid)",
        )
        .bind(tenant.0)
        .bind(Value::Array(links))
        .bind(link_ids)
        .execute(&mut **tx)
        .await?;
    }
    if !status_rows.is_empty() {
        let applied = sqlx::query(
            "UPDATE messages m SET
                status = CASE WHEN message_status_rank(r.status) > message_status_rank(m.status) THEN r.status ELSE m.status END,
                status_seq = CASE WHEN message_status_rank(r.status) > message_status_rank(m.status) THEN r.seq ELSE m.status_seq END,
                sent_at = COALESCE(m.sent_at, r.sent_at),
                delivered_at = COALESCE(m.delivered_at, r.delivered_at),
                read_at = COALESCE(m.read_at, r.read_at),
                failed_at = COALESCE(m.failed_at, r.failed_at),
                errors = COALESCE(r.errors, m.errors),
                pricing = COALESCE(r.pricing, m.pricing),
                meta_conversation = COALESCE(r.conversation, m.meta_conversation)
             FROM jsonb_to_recordset($2) AS r(wamid text, status text, seq bigint, sent_at timestamptz, delivered_at timestamptz,
                  read_at timestamptz, failed_at timestamptz, errors jsonb, pricing jsonb, conversation jsonb)
             WHERE m.tenant_id = $1 AND m.wamid = r.wamid AND m.wamid = ANY($3) AND m.direction = 'outbound'
             RETURNING m.id, m.wamid, m.status, (m.status_seq = r.seq) AS advanced, m.errors, r.seq",
        )
        .bind(tenant.0)
        .bind(Value::Array(status_rows))
        .bind(status_owner.keys().map(|w| w.as_str().to_owned()).collect::<Vec<_>>())
        .fetch_all(&mut **tx)
        .await?;
        let mut matched = std::collections::HashSet::new();
        for row in applied {
            let wamid = Wamid(row.try_get("wamid")?);
            let Some(&i) = status_owner.get(&wamid) else { continue };
            if row.try_get::<bool, _>("advanced")? {
                let status: String = row.try_get("status")?;
                let seq: i64 = row.try_get("seq")?;
                outcomes[i].statuses_applied.push(AppliedStatus {
                    message_id: MessageId(row.try_get("id")?),
                    wamid: wamid.clone(),
                    status: MessageStatus::parse(&status).unwrap_or(MessageStatus::Sent),
                    seq,
                    errors: row.try_get("errors")?,
                });
            }
            matched.insert(wamid);
        }
        for &i in idxs {
            for s in &batches[i].statuses {
                if !matched.contains(&s.wamid) {
                    held.push((i, HeldEvent::Status(s.clone())));
                }
            }
        }
    }

    // A marketing message that failed with 131050 means the customer told
    // WhatsApp to stop this business's marketing: their consent goes, so no
    // campaign or agent sends them marketing again until they resume.
    // As of when Meta saw the failure, so a resume the customer said later
    // is not undone by a late webhook.
    let stopped: Vec<(&str, chrono::DateTime<chrono::Utc>)> = idxs
        .iter()
        .flat_map(|&i| batches[i].statuses.iter())
        .filter(|s| s.status == MessageStatus::Failed && s.errors.as_ref().is_some_and(|e| e[0]["code"] == META_MARKETING_STOPPED))
        .map(|s| (s.wamid.as_str(), s.failed_at.unwrap_or_else(chrono::Utc::now)))
        .collect();
    if !stopped.is_empty() {
        let (wamids, at): (Vec<&str>, Vec<chrono::DateTime<chrono::Utc>>) = stopped.into_iter().unzip();
        sqlx::query(
            "UPDATE contacts k SET opted_in = false, consent_changed_at = s.at, updated_at = now()
             FROM unnest($2::text[], $3::timestamptz[]) AS s(wamid, at)
             JOIN messages m ON m.tenant_id = $1 AND m.wamid = s.wamid
             JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id
             WHERE k.tenant_id = $1 AND k.id = c.contact_id AND k.opted_in
               AND (k.consent_changed_at IS NULL OR k.consent_changed_at <= s.at)",
        )
        .bind(tenant.0)
        .bind(&wamids)
        .bind(&at)
        .execute(&mut **tx)
        .await?;
    }

    // 4. Park what arrived before its message (unless the message exists).
    if !held.is_empty() {
        let rows: Vec<Value> =
            held.iter().map(|(_, h)| json!({"target": h.target(), "event": serde_json::to_value(h).unwrap_or(Value::Null)})).collect();
        let parked = sqlx::query(
            "INSERT INTO held_events (tenant_id, target_wamid, event)
             SELECT $1, h.target, h.event FROM jsonb_to_recordset($2) AS h(target text, event jsonb)
             WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = $1 AND m.wamid = h.target)
             RETURNING target_wamid",
        )
        .bind(tenant.0)
        .bind(Value::Array(rows))
        .fetch_all(&mut **tx)
        .await?;
        for row in parked {
            let target = Wamid(row.try_get("target_wamid")?);
            if let Some((i, _)) = held.iter().find(|(_, h)| *h.target() == target) {
                outcomes[*i].held += 1;
            }
        }
    }

    // 5. Release what was waiting for the messages just stored. Planned on
    //    each call, not once per connection: the table is usually empty but
    //    can fill with thousands of statuses for messages never stored, and
    //    a plan cached while it was empty scans all of them with every
    //    wamid of the batch (measured: 23 ms a call; BENCHMARKS.md).
    if !inserted_wamids.is_empty() {
        let released = sqlx::query("DELETE FROM held_events WHERE tenant_id = $1 AND target_wamid = ANY($2) RETURNING target_wamid, event")
            .persistent(false)
            .bind(tenant.0)
            .bind(&inserted_wamids)
            .fetch_all(&mut **tx)
            .await?;
        for row in released {
            let target = Wamid(row.try_get("target_wamid")?);
            let event: Value = row.try_get("event")?;
            match (wamid_owner.get(&target), serde_json::from_value::<HeldEvent>(event)) {
                (Some(&i), Ok(ev)) => outcomes[i].released.push(ev),
                (_, Err(e)) => tracing::error!(error = %e, wamid = %target, "unreadable held event dropped"),
                (None, Ok(_)) => {}
            }
        }
    }

    // 5a. Numbers without holes: only what was applied keeps a number.
    let mut last_seqs = Vec::with_capacity(batches.len());
    let mut moves = Vec::new();
    for &i in idxs {
        let (last, moved) = close_up(batches[i], &mut outcomes[i]);
        last_seqs.push(last);
        moves.extend(moved.into_iter().map(|(old, new)| (batches[i].conversation_id, old, new)));
    }
    apply_moves(tx, tenant, &moves).await?;

    // 6. The conversations: counters from what was actually inserted.
    let mut conversation_rows = Vec::new();
    for &i in idxs {
        let b = batches[i];
        let inserted: std::collections::HashSet<&MessageId> = outcomes[i].inserted.iter().collect();
        let new: Vec<_> = b.messages.iter().filter(|m| inserted.contains(&m.id)).collect();
        let inbound: Vec<_> = new.iter().filter(|m| m.direction == Direction::Inbound).collect();
        let unread = inbound.iter().filter(|m| m.kind != "reaction").count();
        // The answer to a satisfaction survey does not reopen what was resolved.
        let reopen = inbound.iter().any(|m| m.kind != "reaction" && !crate::automations::csat::is_survey_answer(&m.kind, &m.content));
        let patch = b.patch.clone().unwrap_or_default();
        conversation_rows.push(json!({
            "id": b.conversation_id, "last_seq": last_seqs[i], "unread": unread, "reset": b.reset_unread, "reopen": reopen,
            "last_inbound_at": inbound.iter().map(|m| m.timestamp).max(),
            "last_message_at": new.iter().map(|m| m.timestamp).max(),
            "status": patch.status, "set_assignee": patch.assignee.is_some(), "assignee": patch.assignee.flatten(), "claim": patch.claim,
            // Who changed what, for the activity trigger: a customer's reopening
            // in the same batch is nobody's.
            "assignee_by": patch.by.filter(|_| patch.assignee.is_some()), "status_by": patch.by.filter(|_| patch.status.is_some()),
        }));
    }
    let rows = sqlx::query(
        "UPDATE conversations c SET
            last_seq = GREATEST(c.last_seq, r.last_seq),
            unread_count = CASE WHEN r.reset THEN 0 ELSE c.unread_count END + r.unread,
            last_inbound_at = GREATEST(c.last_inbound_at, r.last_inbound_at),
            awaiting_since = CASE WHEN NOT r.reopen THEN c.awaiting_since
                                  WHEN c.status IN ('resolved', 'closed') THEN r.last_inbound_at
                                  ELSE COALESCE(c.awaiting_since, r.last_inbound_at) END,
            last_message_at = GREATEST(c.last_message_at, r.last_message_at),
            status = COALESCE(r.status, CASE WHEN r.reopen AND c.status IN ('resolved', 'closed') THEN 'open' ELSE c.status END),
            assignee_id = CASE WHEN r.set_assignee AND (NOT r.claim OR c.assignee_id IS NULL) THEN r.assignee ELSE c.assignee_id END,
            changed_by = r.assignee_by,
            status_by = r.status_by,
            updated_at = now()
         FROM jsonb_to_recordset($2) AS r(id uuid, last_seq bigint, unread bigint, reset boolean, reopen boolean, last_inbound_at timestamptz,
              last_message_at timestamptz, status text, set_assignee boolean, assignee uuid, claim boolean, assignee_by uuid, status_by uuid)
         WHERE c.tenant_id = $1 AND c.id = r.id AND c.id = ANY($3)
         RETURNING c.id, c.status, c.assignee_id, c.unread_count, c.last_seq, c.last_inbound_at, c.last_message_at",
    )
    .bind(tenant.0)
    .bind(Value::Array(conversation_rows))
    .bind(idxs.iter().map(|&i| batches[i].conversation_id.0).collect::<Vec<_>>())
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let snap = snapshot_from_row(&row, false)?;
        if let Some(&i) = by_conversation.get(&snap.id) {
            outcomes[i].conversation = Some(snap);
        }
    }

    // 7. An agent's answer ends the customer's wait: how long it took is
    //    kept (the episode's first answer, or a later one).
    let mut answers: Vec<(uuid::Uuid, chrono::DateTime<chrono::Utc>, uuid::Uuid)> = Vec::new();
    let mut texts: Vec<(uuid::Uuid, String, uuid::Uuid)> = Vec::new();
    for &i in idxs {
        for m in batches[i].messages.iter().filter(|m| m.direction == Direction::Outbound && outcomes[i].inserted.contains(&m.id)) {
            if let Some(SentBy::Agent { id }) = &m.sent_by {
                answers.push((batches[i].conversation_id.0, m.timestamp, id.0));
                if let Some(body) = m.content["body"].as_str().filter(|b| m.kind == "text" && !b.trim().is_empty()) {
                    texts.push((batches[i].conversation_id.0, body.to_owned(), id.0));
                }
            }
        }
    }
    if !answers.is_empty() {
        let (ids, rest): (Vec<uuid::Uuid>, Vec<(chrono::DateTime<chrono::Utc>, uuid::Uuid)>) =
            answers.into_iter().map(|(c, at, a)| (c, (at, a))).unzip();
        let (at, agents): (Vec<_>, Vec<_>) = rest.into_iter().unzip();
        let rows = sqlx::query(
            "WITH answered AS (
                 SELECT DISTINCT ON (r.id) r.id, r.at, r.agent FROM unnest($2::uuid[], $3::timestamptz[], $4::uuid[]) AS r(id, at, agent)
                 ORDER BY r.id, r.at),
             waited AS (
                 SELECT c.id, c.awaiting_since, c.first_response_at IS NULL AS first, c.team_id FROM conversations c JOIN answered a ON a.id = c.id
                 WHERE c.tenant_id = $1 AND c.awaiting_since IS NOT NULL FOR UPDATE OF c),
             cleared AS (
                 UPDATE conversations c SET awaiting_since = NULL, first_response_at = COALESCE(c.first_response_at, a.at)
                 FROM waited w JOIN answered a ON a.id = w.id WHERE c.id = w.id
                 RETURNING c.id)
             INSERT INTO reply_times (tenant_id, conversation_id, agent_id, team_id, first, seconds, at)
             SELECT $1, w.id, (SELECT u.id FROM users u WHERE u.id = a.agent), w.team_id, w.first,
                    GREATEST(0, extract(epoch FROM a.at - w.awaiting_since)), a.at
             FROM waited w JOIN answered a ON a.id = w.id JOIN cleared x ON x.id = w.id
             RETURNING conversation_id",
        )
        .bind(tenant.0)
        .bind(&ids)
        .bind(&at)
        .bind(&agents)
        .fetch_all(&mut **tx)
        .await?;
        // 8. An agent's text answer to a waiting customer is remembered with
        //    the customer's last question, for smart replies.
        let answered: std::collections::HashSet<uuid::Uuid> = rows.iter().filter_map(|r| r.try_get("conversation_id").ok()).collect();
        texts.retain(|(c, _, _)| answered.contains(c));
        if !texts.is_empty() {
            let (conversations, rest): (Vec<uuid::Uuid>, Vec<(String, uuid::Uuid)>) =
                texts.into_iter().map(|(c, b, a)| (c, (b, a))).unzip();
            let (bodies, agents): (Vec<String>, Vec<uuid::Uuid>) = rest.into_iter().unzip();
            sqlx::query(
                "INSERT INTO answer_memory (tenant_id, conversation_id, question, answer, agent_id)
                 SELECT $1, a.conversation, left(q.body, 4096), left(a.body, 4096), (SELECT u.id FROM users u WHERE u.id = a.agent)
                 FROM unnest($2::uuid[], $3::text[], $4::uuid[]) AS a(conversation, body, agent)
                 CROSS JOIN LATERAL (SELECT m.content->>'body' AS body FROM messages m
                                     WHERE m.tenant_id = $1 AND m.conversation_id = a.conversation AND m.direction = 'inbound' AND m.type = 'text'
                                     ORDER BY m.seq DESC LIMIT 1) q
                 WHERE q.body IS NOT NULL AND length(trim(q.body)) > 0",
            )
            .bind(tenant.0)
            .bind(&conversations)
            .bind(&bodies)
            .bind(&agents)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(outcomes)
}
