//! A tenant's customers: CRUD, tags, custom fields, consent, and the CSV
//! import (one transaction over streamed batches) and export (pages).

use super::{paginate, Conflict, Cursor, DbError, Page, TagsAdded, TenantDb};
use crate::store::visibility::Visibility;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use whatsflow_actors::ids::{ContactId, ConversationId};
use whatsflow_actors::ports::ConversationStatus;

/// Columns of [`contact_view`].
pub(super) const CONTACT_COLUMNS: &str = "id, phone, wa_user_id, username, name, tags, custom_fields, opted_in, created_at, updated_at";

/// A contact as the API shows it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ContactView {
    /// Id.
    pub id: ContactId,
    /// E.164 phone, when known.
    pub phone: Option<String>,
    /// Meta's business-scoped user id, when known.
    pub user_id: Option<String>,
    /// The customer's WhatsApp username, when they have one.
    pub username: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Contact tags.
    pub tags: Vec<String>,
    /// Free-form fields.
    #[ts(type = "Record<string, unknown>")]
    pub custom_fields: Value,
    /// Whether they accept marketing.
    pub opted_in: bool,
    /// Added.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Their conversations the caller may see (one contact's page only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub conversations: Option<Vec<ContactConversation>>,
}

/// One of a contact's conversations, as the contact page lists it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ContactConversation {
    /// The conversation.
    pub id: ConversationId,
    /// Its number.
    pub channel_id: uuid::Uuid,
    /// Where it stands.
    pub status: ConversationStatus,
    /// Its newest message.
    pub last_message_at: Option<DateTime<Utc>>,
}

/// Reads a contact row.
pub(super) fn contact_view(r: &PgRow) -> Result<ContactView, sqlx::Error> {
    Ok(ContactView {
        id: ContactId(r.try_get("id")?),
        phone: r.try_get("phone")?,
        user_id: r.try_get("wa_user_id")?,
        username: r.try_get("username")?,
        name: r.try_get("name")?,
        tags: r.try_get("tags")?,
        custom_fields: r.try_get("custom_fields")?,
        opted_in: r.try_get("opted_in")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        conversations: None,
    })
}

/// Which contacts to list.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    /// A case-insensitive `LIKE` pattern on name, phone or username.
    pub pattern: Option<String>,
    /// Only contacts with this tag.
    pub tag: Option<String>,
    /// After this position.
    pub after: Option<Cursor>,
    /// Page size.
    pub limit: i64,
}

/// A contact to add.
#[derive(Debug, Clone)]
pub struct NewContact {
    /// E.164 phone.
    pub phone: String,
    /// Name.
    pub name: Option<String>,
    /// Tags (clean).
    pub tags: Vec<String>,
    /// Custom fields.
    pub custom_fields: Map<String, Value>,
    /// Marketing consent.
    pub opted_in: bool,
}

/// What changes about a contact.
#[derive(Debug, Clone, Default)]
pub struct ContactChange {
    /// New phone.
    pub phone: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New tags (replacing).
    pub tags: Option<Vec<String>>,
    /// Custom fields set.
    pub set_fields: Map<String, Value>,
    /// Custom fields removed.
    pub unset_fields: Vec<String>,
    /// New consent.
    pub opted_in: Option<bool>,
}

/// A row of an import, parsed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportRecord {
    /// E.164 phone.
    pub phone: String,
    /// Name.
    pub name: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Consent, only where the file says.
    pub opted_in: Option<bool>,
    /// Other columns.
    pub custom_fields: Map<String, Value>,
}

/// A tenant's customers.
pub struct Contacts<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Contacts<'_> {
    /// Contacts newest first.
    pub async fn list(&self, f: &ContactFilter) -> Result<Page<ContactView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts
             WHERE ($1::text IS NULL OR name ILIKE $1 OR phone ILIKE $1 OR username ILIKE $1)
               AND ($2::text IS NULL OR $2 = ANY(tags))
               AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
             ORDER BY created_at DESC, id DESC LIMIT $5"
        ))
        .bind(&f.pattern)
        .bind(&f.tag)
        .bind(f.after.map(|c| c.t))
        .bind(f.after.map(|c| c.id))
        .bind(f.limit + 1)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        paginate(rows, f.limit, contact_view, |r| Ok(Cursor { t: r.try_get("created_at")?, id: r.try_get("id")? }))
    }

    /// Adds a contact.
    pub async fn create(&self, c: NewContact) -> Result<ContactView, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO contacts (id, tenant_id, phone, name, tags, custom_fields, opted_in) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {CONTACT_COLUMNS}"
        ))
        .bind(uuid::Uuid::now_v7())
        .bind(self.db.tenant.0)
        .bind(&c.phone)
        .bind(&c.name)
        .bind(&c.tags)
        .bind(Value::Object(c.custom_fields))
        .bind(c.opted_in)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| DbError::on_unique(e, Conflict::ContactExists))?;
        tx.commit().await?;
        Ok(contact_view(&row)?)
    }

    /// One contact with the conversations the caller may see.
    pub async fn get(&self, id: ContactId, rule: Visibility) -> Result<Option<ContactView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1")).bind(id.0).fetch_optional(&mut *tx).await?;
        let sql = format!(
            "SELECT c.id, c.channel_id, c.status, c.last_message_at FROM conversations c WHERE c.contact_id = $1 AND {}
             ORDER BY c.last_message_at DESC NULLS LAST",
            Visibility::sql("c", 2)
        );
        let convs: Vec<(uuid::Uuid, uuid::Uuid, String, Option<DateTime<Utc>>)> =
            rule.bind_as(sqlx::query_as(&sql).bind(id.0)).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let mut v = contact_view(&row)?;
        let conversations = convs
            .into_iter()
            .map(|(id, channel_id, status, last_message_at)| {
                let status = ConversationStatus::parse(&status)
                    .ok_or_else(|| sqlx::Error::Decode(format!("conversation status `{status}`").into()))?;
                Ok(ContactConversation { id: ConversationId(id), channel_id, status, last_message_at })
            })
            .collect::<Result<_, DbError>>()?;
        v.conversations = Some(conversations);
        Ok(Some(v))
    }

    /// Changes a contact (custom fields merged); None when there is none.
    pub async fn update(&self, id: ContactId, c: ContactChange) -> Result<Option<ContactView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!(
            "UPDATE contacts SET phone = COALESCE($2, phone), name = COALESCE($3, name), tags = COALESCE($4, tags),
                custom_fields = (custom_fields || $5) - $6::text[], opted_in = COALESCE($7, opted_in),
                consent_changed_at = CASE WHEN $7 IS DISTINCT FROM opted_in AND $7 IS NOT NULL THEN now() ELSE consent_changed_at END,
                updated_at = now()
             WHERE id = $1 RETURNING {CONTACT_COLUMNS}"
        ))
        .bind(id.0)
        .bind(&c.phone)
        .bind(&c.name)
        .bind(&c.tags)
        .bind(Value::Object(c.set_fields))
        .bind(&c.unset_fields)
        .bind(c.opted_in)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| DbError::on_unique(e, Conflict::ContactExists))?;
        tx.commit().await?;
        row.as_ref().map(contact_view).transpose().map_err(Into::into)
    }

    /// Whether this template may go to the contact (marketing needs their consent).
    pub async fn template_consent(&self, id: ContactId, template: &Value) -> Result<crate::store::consent::TemplateConsent, DbError> {
        Ok(crate::store::consent::template_send(self.db.pool, self.db.tenant, id, template).await?)
    }

    /// Whether the contact exists.
    pub async fn exists(&self, id: ContactId) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let found: Option<uuid::Uuid> =
            sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(found.is_some())
    }

    /// Deletes a contact and its conversations; false when there was none.
    pub async fn delete(&self, id: ContactId) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query("DELETE FROM contacts WHERE id = $1").bind(id.0).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Adds tags (clean).
    pub async fn add_tags(&self, id: ContactId, tags: &[String]) -> Result<TagsAdded, DbError> {
        super::add_tags(&self.db, "contacts", id.0, tags).await
    }

    /// Removes a tag.
    pub async fn remove_tag(&self, id: ContactId, tag: &str) -> Result<Option<Vec<String>>, DbError> {
        super::remove_tag(&self.db, "contacts", id.0, tag).await
    }

    /// Starts an import: every batch in one transaction, committed at the end.
    pub async fn import(&self) -> Result<Import, DbError> {
        Ok(Import { tx: self.db.tx().await?, tenant: self.db.tenant })
    }

    /// The custom fields any contact has (the export's extra columns).
    pub async fn custom_field_names(&self) -> Result<Vec<String>, DbError> {
        let mut tx = self.db.tx().await?;
        let names = sqlx::query_scalar("SELECT DISTINCT k FROM contacts, jsonb_object_keys(custom_fields) AS k ORDER BY k")
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(names)
    }

    /// One page of every contact, oldest first (the export).
    pub async fn export_page(&self, after: Option<Cursor>, limit: i64) -> Result<Vec<(ContactView, Cursor)>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2)) ORDER BY created_at, id LIMIT $3"
        ))
        .bind(after.map(|a| a.t))
        .bind(after.map(|a| a.id))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter().map(|r| Ok((contact_view(r)?, Cursor { t: r.try_get("created_at")?, id: r.try_get("id")? }))).collect()
    }
}

/// An import in progress (rolled back if dropped before [`Import::commit`]).
pub struct Import {
    tx: Transaction<'static, Postgres>,
    tenant: whatsflow_actors::ids::TenantId,
}

impl Import {
    /// Upserts one batch by phone: existing contacts are updated (consent
    /// only where the record says so), the rest inserted. (new, updated).
    pub async fn upsert(&mut self, rows: &[ImportRecord]) -> Result<(usize, usize), DbError> {
        if rows.is_empty() {
            return Ok((0, 0));
        }
        let data = serde_json::to_value(rows).map_err(|e| DbError::Other(sqlx::Error::Protocol(e.to_string())))?;
        let (new, changed): (i64, i64) = sqlx::query_as(
            "WITH r AS (SELECT * FROM jsonb_to_recordset($2) AS r(phone text, name text, tags jsonb, opted_in boolean, custom_fields jsonb)),
             upd AS (
                UPDATE contacts c SET
                    name = COALESCE(r.name, c.name),
                    tags = ARRAY(SELECT DISTINCT t FROM unnest(c.tags || ARRAY(SELECT jsonb_array_elements_text(r.tags))) t ORDER BY t),
                    custom_fields = c.custom_fields || COALESCE(r.custom_fields, '{}'),
                    opted_in = COALESCE(r.opted_in, c.opted_in),
                    consent_changed_at = CASE WHEN r.opted_in IS NOT NULL AND r.opted_in <> c.opted_in THEN now() ELSE c.consent_changed_at END,
                    updated_at = now()
                FROM r WHERE c.tenant_id = $1 AND c.phone = r.phone
                RETURNING c.phone),
             ins AS (
                INSERT INTO contacts (id, tenant_id, phone, name, tags, custom_fields, opted_in)
                SELECT gen_random_uuid(), $1, r.phone, r.name, COALESCE(ARRAY(SELECT jsonb_array_elements_text(r.tags)), '{}'),
                       COALESCE(r.custom_fields, '{}'), COALESCE(r.opted_in, true)
                FROM r WHERE NOT EXISTS (SELECT 1 FROM upd WHERE upd.phone = r.phone)
                ON CONFLICT (tenant_id, phone) WHERE phone IS NOT NULL DO NOTHING
                RETURNING 1)
             SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)",
        )
        .bind(self.tenant.0)
        .bind(data)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok((usize::try_from(new).unwrap_or(0), usize::try_from(changed).unwrap_or(0)))
    }

    /// Makes every batch durable.
    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await?;
        Ok(())
    }
}
