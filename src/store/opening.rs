//! What a customer's first message costs, grouped: finding (or creating) the
//! contact for an identity, and opening the conversation of a contact on a
//! channel. Both run through [`GroupCommit`], so a burst of new customers
//! shares a few transactions with set-based statements instead of paying a
//! transaction each; a contact created by a resolution that names the
//! channel its message came to gets that conversation in the same
//! transaction (a new customer costs one commit before its message, not two).

use crate::store::group::{GroupTx, GroupWork};
use crate::store::{snapshot_from_row, CONVERSATION_COLUMNS_C};
use async_trait::async_trait;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use whatsflow_actors::identity::ContactIdentity;
use whatsflow_actors::ids::{ChannelId, ContactId, ConversationId, TenantId};
use whatsflow_actors::ports::ConversationSnapshot;

/// Finds or creates the contact of an identity; a contact it creates for
/// an event on a channel gets its conversation there opened too.
pub struct ContactResolution;

/// A contact row as far as resolution cares.
struct Known {
    id: uuid::Uuid,
    phone: Option<String>,
    user_id: Option<String>,
    username: Option<String>,
    name: Option<String>,
}

impl Known {
    /// Whether the identity adds something the stored contact lacks.
    fn lacks(&self, who: &ContactIdentity) -> bool {
        (self.phone.is_none() && who.phone.is_some())
            || (self.user_id.is_none() && who.user_id.is_some())
            || (who.username.is_some() && who.username != self.username)
            || (who.name.is_some() && who.name != self.name)
    }
}

fn phone_of(who: &ContactIdentity) -> Option<String> {
    who.phone.as_ref().map(|p| p.as_str().to_owned())
}

/// Fills in, in one statement, what each known contact lacked, unless
/// another contact already holds that phone or user id (two existing
/// contacts are never merged here; the group made sure no two fills share a
/// contact, a phone or a user id). The rows are locked in id order first, so two groups filling
/// the same contacts wait for each other instead of deadlocking; the lock
/// is the one an update of non-key columns takes, so it does not wait for
/// transactions that only reference the contacts (messages, conversations).
async fn fill_in_all(tx: &mut GroupTx, fills: &mut [(uuid::Uuid, &ContactIdentity)]) -> Result<(), sqlx::Error> {
    if fills.is_empty() {
        return Ok(());
    }
    fills.sort_by_key(|(id, _)| *id);
    let ids: Vec<uuid::Uuid> = fills.iter().map(|(id, _)| *id).collect();
    sqlx::query("SELECT 1 FROM contacts WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE").bind(&ids).execute(&mut **tx).await?;
    sqlx::query(
        "UPDATE contacts c SET
            phone = CASE WHEN c.phone IS NULL AND u.phone IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.tenant_id = c.tenant_id AND o.phone = u.phone) THEN u.phone ELSE c.phone END,
            wa_user_id = CASE WHEN c.wa_user_id IS NULL AND u.wa_user_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.tenant_id = c.tenant_id AND o.wa_user_id = u.wa_user_id) THEN u.wa_user_id ELSE c.wa_user_id END,
            username = COALESCE(u.username, c.username),
            name = COALESCE(u.name, c.name),
            updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(id, phone, wa_user_id, username, name)
         WHERE c.id = u.id",
    )
    .bind(&ids)
    .bind(fills.iter().map(|(_, w)| phone_of(w)).collect::<Vec<_>>())
    .bind(fills.iter().map(|(_, w)| w.user_id.clone()).collect::<Vec<_>>())
    .bind(fills.iter().map(|(_, w)| w.username.clone()).collect::<Vec<_>>())
    .bind(fills.iter().map(|(_, w)| w.name.clone()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One identity alone: look it up (phone first), else insert it; a lost
/// race with a concurrent insert is settled by looking again (the insert
/// waited for the other transaction, so its row is visible now).
async fn resolve_one(tx: &mut GroupTx, tenant: TenantId, who: &ContactIdentity) -> Result<Option<Resolved>, sqlx::Error> {
    let phone = phone_of(who);
    for _ in 0..3 {
        let found: Option<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM contacts WHERE ($1::text IS NOT NULL AND phone = $1) OR ($2::text IS NOT NULL AND wa_user_id = $2)
             ORDER BY (phone IS NOT DISTINCT FROM $1) DESC LIMIT 1",
        )
        .bind(&phone)
        .bind(&who.user_id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(id) = found {
            fill_in_all(tx, &mut [(id, who)]).await?;
            return Ok(Some(Resolved { contact: ContactId(id), created: false }));
        }
        let inserted: Option<uuid::Uuid> = sqlx::query_scalar(
            "INSERT INTO contacts (id, tenant_id, phone, wa_user_id, username, name)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(ContactId::generate().0)
        .bind(tenant.0)
        .bind(&phone)
        .bind(&who.user_id)
        .bind(&who.username)
        .bind(&who.name)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(id) = inserted {
            return Ok(Some(Resolved { contact: ContactId(id), created: true }));
        }
    }
    Ok(None)
}

/// A resolved identity: its contact, and whether this transaction created it.
#[derive(Debug, Clone, Copy)]
struct Resolved {
    contact: ContactId,
    created: bool,
}

/// Resolves one tenant's identities: one lookup for all, one insert for the
/// new ones, and the one-at-a-time path only for what is left (identities
/// that collide within the group or with a concurrent insert).
async fn resolve_tenant(
    tx: &mut GroupTx,
    tenant: TenantId,
    who: &[&ContactIdentity],
    out: &mut [Option<Resolved>],
) -> Result<(), sqlx::Error> {
    let phones: Vec<String> = who.iter().filter_map(|w| phone_of(w)).collect();
    let users: Vec<String> = who.iter().filter_map(|w| w.user_id.clone()).collect();
    let rows = sqlx::query("SELECT id, phone, wa_user_id, username, name FROM contacts WHERE phone = ANY($1) OR wa_user_id = ANY($2)")
        .bind(&phones)
        .bind(&users)
        .fetch_all(&mut **tx)
        .await?;
    let mut known = Vec::with_capacity(rows.len());
    for r in rows {
        known.push(Known {
            id: r.try_get("id")?,
            phone: r.try_get("phone")?,
            user_id: r.try_get("wa_user_id")?,
            username: r.try_get("username")?,
            name: r.try_get("name")?,
        });
    }
    let by_phone: HashMap<&str, &Known> = known.iter().filter_map(|k| Some((k.phone.as_deref()?, k))).collect();
    let by_user: HashMap<&str, &Known> = known.iter().filter_map(|k| Some((k.user_id.as_deref()?, k))).collect();
    // A job whose keys an earlier job of the group claimed (to insert or to
    // fill in) waits for the one-at-a-time pass, which goes in arrival order:
    // so the group links identities exactly as one-at-a-time resolution would.
    // A known contact that lacks something the identity brings is filled
    // in with the others of the group in one statement (`fills`), unless an
    // earlier job of the group already fills that contact.
    let (mut fresh, mut leftover, mut fills) = (Vec::new(), Vec::new(), Vec::new());
    let (mut claimed_phones, mut claimed_users, mut filled) = (HashSet::new(), HashSet::new(), HashSet::new());
    for (i, w) in who.iter().enumerate() {
        let phone = w.phone.as_ref().map(|p| p.as_str());
        let clash = phone.is_some_and(|p| claimed_phones.contains(p)) || w.user_id.as_deref().is_some_and(|u| claimed_users.contains(u));
        let found = phone.and_then(|p| by_phone.get(p)).or_else(|| w.user_id.as_deref().and_then(|u| by_user.get(u)));
        let mut claims = true;
        match found {
            Some(k) if !clash && !k.lacks(w) => claims = false,
            Some(k) if !clash && filled.insert(k.id) => fills.push((i, k.id)),
            Some(k) => {
                // Later jobs reaching this contact wait for it, in order.
                filled.insert(k.id);
                leftover.push(i);
            }
            None if clash => leftover.push(i),
            None => fresh.push(i),
        }
        if let (false, Some(k)) = (claims, found) {
            out[i] = Some(Resolved { contact: ContactId(k.id), created: false });
        } else {
            claimed_phones.extend(phone);
            claimed_users.extend(w.user_id.as_deref());
        }
    }
    let mut to_fill: Vec<(uuid::Uuid, &ContactIdentity)> = fills.iter().map(|&(i, id)| (id, who[i])).collect();
    fill_in_all(tx, &mut to_fill).await?;
    for (i, id) in fills {
        out[i] = Some(Resolved { contact: ContactId(id), created: false });
    }
    // Inserted in key order, so concurrent groups lock in the same order.
    fresh.sort_by(|&a, &b| (phone_of(who[a]), &who[a].user_id).cmp(&(phone_of(who[b]), &who[b].user_id)));
    if !fresh.is_empty() {
        let ids: Vec<uuid::Uuid> = fresh.iter().map(|_| ContactId::generate().0).collect();
        let rows = sqlx::query(
            "INSERT INTO contacts (id, tenant_id, phone, wa_user_id, username, name)
             SELECT u.id, $1, u.phone, u.wa_user_id, u.username, u.name
             FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(id, phone, wa_user_id, username, name)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(tenant.0)
        .bind(&ids)
        .bind(fresh.iter().map(|&i| phone_of(who[i])).collect::<Vec<_>>())
        .bind(fresh.iter().map(|&i| who[i].user_id.clone()).collect::<Vec<_>>())
        .bind(fresh.iter().map(|&i| who[i].username.clone()).collect::<Vec<_>>())
        .bind(fresh.iter().map(|&i| who[i].name.clone()).collect::<Vec<_>>())
        .fetch_all(&mut **tx)
        .await?;
        let inserted: HashSet<uuid::Uuid> = rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?;
        for (&i, id) in fresh.iter().zip(ids) {
            if inserted.contains(&id) {
                out[i] = Some(Resolved { contact: ContactId(id), created: true });
            } else {
                leftover.push(i);
            }
        }
    }
    leftover.sort_unstable();
    for i in leftover {
        out[i] = resolve_one(tx, tenant, who[i]).await?;
    }
    Ok(())
}

#[async_trait]
impl GroupWork for ContactResolution {
    /// The identity, and the channel its message came to when the
    /// conversation may be opened with a new contact.
    type Job = (TenantId, ContactIdentity, Option<ChannelId>);
    /// The contact, and the conversation opened with it when it is new.
    type Output = (ContactId, Option<ConversationSnapshot>);

    fn tenant(job: &Self::Job) -> TenantId {
        job.0
    }

    async fn run_tenant(&self, tx: &mut GroupTx, tenant: TenantId, jobs: &[&Self::Job]) -> Result<Vec<Option<Self::Output>>, sqlx::Error> {
        let who: Vec<&ContactIdentity> = jobs.iter().map(|j| &j.1).collect();
        let mut found = vec![None; jobs.len()];
        resolve_tenant(tx, tenant, &who, &mut found).await?;
        // A contact created here has no conversation anywhere yet: open the
        // one its message came to now, in this transaction.
        let pairs: Vec<(uuid::Uuid, uuid::Uuid)> = jobs
            .iter()
            .zip(&found)
            .filter_map(|(j, r)| match (j.2, r) {
                (Some(channel), Some(r)) if r.created => Some((channel.0, r.contact.0)),
                _ => None,
            })
            .collect();
        let mut opened = open_pairs(tx, tenant, pairs).await?;
        Ok(jobs
            .iter()
            .zip(found)
            .map(|(j, r)| {
                let r = r?;
                let conversation = match (j.2, r.created) {
                    (Some(channel), true) => opened.remove(&(channel.0, r.contact.0)),
                    _ => None,
                };
                Some((r.contact, conversation))
            })
            .collect())
    }
}

/// Opens (creating when new) the conversations of `pairs` (channel,
/// contact), each pair once, in key order (concurrent groups lock alike);
/// a snapshot per pair, `created` when this call inserted it.
async fn open_pairs(
    tx: &mut GroupTx,
    tenant: TenantId,
    mut pairs: Vec<(uuid::Uuid, uuid::Uuid)>,
) -> Result<HashMap<(uuid::Uuid, uuid::Uuid), ConversationSnapshot>, sqlx::Error> {
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }
    pairs.sort_unstable();
    pairs.dedup();
    let (channels, contacts): (Vec<uuid::Uuid>, Vec<uuid::Uuid>) = pairs.iter().copied().unzip();
    let ids: Vec<uuid::Uuid> = pairs.iter().map(|_| ConversationId::generate().0).collect();
    let created: HashSet<uuid::Uuid> = sqlx::query_scalar(
        "INSERT INTO conversations (id, tenant_id, channel_id, contact_id)
         SELECT u.id, $1, u.channel_id, u.contact_id FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS u(id, channel_id, contact_id)
         ON CONFLICT (channel_id, contact_id) DO NOTHING RETURNING id",
    )
    .bind(tenant.0)
    .bind(&ids)
    .bind(&channels)
    .bind(&contacts)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let rows = sqlx::query(&format!(
        "SELECT c.{CONVERSATION_COLUMNS_C}, c.channel_id, c.contact_id, k.phone AS contact_phone, k.wa_user_id AS contact_user_id,
            (SELECT m.wamid FROM messages m WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.direction = 'inbound'
             AND m.wamid IS NOT NULL ORDER BY m.seq DESC LIMIT 1) AS last_inbound_wamid,
            EXISTS (SELECT 1 FROM flow_runs r WHERE r.conversation_id = c.id AND r.ended_at IS NULL) AS active_run
         FROM unnest($1::uuid[], $2::uuid[]) AS p(channel_id, contact_id)
         JOIN conversations c ON c.channel_id = p.channel_id AND c.contact_id = p.contact_id
         JOIN contacts k ON k.id = c.contact_id"
    ))
    .bind(&channels)
    .bind(&contacts)
    .fetch_all(&mut **tx)
    .await?;
    let mut found = HashMap::with_capacity(rows.len());
    for r in rows {
        let id: uuid::Uuid = r.try_get("id")?;
        found.insert((r.try_get("channel_id")?, r.try_get("contact_id")?), snapshot_from_row(&r, created.contains(&id))?);
    }
    Ok(found)
}

/// Opens (creating when new) the conversation of a contact on a channel.
pub struct ConversationOpening;

#[async_trait]
impl GroupWork for ConversationOpening {
    type Job = (TenantId, ChannelId, ContactId);
    type Output = ConversationSnapshot;

    fn tenant(job: &Self::Job) -> TenantId {
        job.0
    }

    async fn run_tenant(
        &self,
        tx: &mut GroupTx,
        tenant: TenantId,
        jobs: &[&Self::Job],
    ) -> Result<Vec<Option<ConversationSnapshot>>, sqlx::Error> {
        let mut found = open_pairs(tx, tenant, jobs.iter().map(|j| (j.1 .0, j.2 .0)).collect()).await?;
        // Only the first job asking for a pair is told it created it.
        let mut out = Vec::with_capacity(jobs.len());
        for j in jobs {
            let key = (j.1 .0, j.2 .0);
            out.push(found.get(&key).cloned());
            if let Some(snap) = found.get_mut(&key) {
                snap.created = false;
            }
        }
        Ok(out)
    }
}
