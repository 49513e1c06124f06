//! Segments: saved contact filters, and the SQL their rules become. A rule
//! is always evaluated now (counted, previewed, or read as a campaign's
//! audience at launch); nothing about its members is stored.

use super::campaigns::{audience_contact, AudienceContact};
use super::contacts::{contact_view, ContactView, CONTACT_COLUMNS};
use super::{Conflict, DbError, TenantDb};
use crate::segments::rule::{Condition, FieldTest, Join, LastInbound, Rule};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{Postgres, QueryBuilder, Row};
use whatsflow_actors::ids::UserId;

/// Most segments one tenant keeps.
pub const MAX_SEGMENTS: i64 = 100;
/// Members a preview shows.
pub const PREVIEW_CONTACTS: i64 = 20;

/// A segment as the API shows it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct SegmentView {
    /// Id.
    #[ts(type = "string")]
    pub id: uuid::Uuid,
    /// Its name, unique in the account (any case).
    pub name: String,
    /// Its rule, in canonical form.
    #[ts(type = "SegmentRule")]
    pub rule: Value,
    /// Its members now.
    pub contacts: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// How many contacts a rule holds now, and the newest of them.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct SegmentPreview {
    /// Members.
    pub count: i64,
    /// The newest [`PREVIEW_CONTACTS`] members.
    pub contacts: Vec<ContactView>,
}

/// What creating a segment did.
#[derive(Debug)]
pub enum Created {
    /// Saved.
    Done(SegmentView),
    /// The tenant has [`MAX_SEGMENTS`] already.
    TooMany,
}

/// A tenant's segments.
pub struct Segments<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Segments<'_> {
    /// Every segment, by name, each with its member count.
    pub async fn list(&self) -> Result<Vec<SegmentView>, DbError> {
        self.views(None).await
    }

    /// One segment with its member count.
    pub async fn get(&self, id: uuid::Uuid) -> Result<Option<SegmentView>, DbError> {
        Ok(self.views(Some(id)).await?.pop())
    }

    /// Segments (all, or the one named), by name, each counted now.
    async fn views(&self, only: Option<uuid::Uuid>) -> Result<Vec<SegmentView>, DbError> {
        let mut tx = self.db.tx().await?;
        bounded(&mut tx, RULE_TIMEOUT).await?;
        let rows = sqlx::query(
            "SELECT id, name, rule, created_at, updated_at FROM segments WHERE $1::uuid IS NULL OR id = $1 ORDER BY lower(name), id",
        )
        .bind(only)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let rule: Value = r.try_get("rule")?;
            let contacts = match Rule::parse(&rule) {
                Ok(parsed) => count(&mut tx, self.db.id().0, &parsed).await?,
                Err(_) => 0,
            };
            out.push(SegmentView {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                rule,
                contacts,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// A segment's rule (None: no such segment).
    pub async fn rule(&self, id: uuid::Uuid) -> Result<Option<Rule>, DbError> {
        let mut tx = self.db.tx().await?;
        let rule: Option<Value> = sqlx::query_scalar("SELECT rule FROM segments WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(rule.and_then(|r| Rule::parse(&r).ok()))
    }

    /// Saves a new segment (the tenant's [`MAX_SEGMENTS`]th at most).
    pub async fn create(&self, name: &str, rule: &Rule, by: Option<UserId>) -> Result<Created, DbError> {
        let mut tx = self.db.tx().await?;
        // One tenant's segment writes queue here, so the cap holds under races.
        sqlx::query("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE").bind(self.db.id().0).execute(&mut *tx).await?;
        let have: i64 = sqlx::query_scalar("SELECT count(*) FROM segments").fetch_one(&mut *tx).await?;
        if have >= MAX_SEGMENTS {
            return Ok(Created::TooMany);
        }
        let id = uuid::Uuid::now_v7();
        sqlx::query("INSERT INTO segments (id, tenant_id, name, rule, created_by) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(self.db.id().0)
            .bind(name)
            .bind(rule.to_json())
            .bind(by.map(|u| u.0))
            .execute(&mut *tx)
            .await
            .map_err(|e| DbError::on_constraint(e, "segments_name_key", Conflict::SegmentExists(name.to_owned())))?;
        tx.commit().await?;
        Ok(self.get(id).await?.map_or(Created::TooMany, Created::Done))
    }

    /// Renames a segment or replaces its rule; None when there is no such segment.
    pub async fn update(&self, id: uuid::Uuid, name: Option<&str>, rule: Option<&Rule>) -> Result<Option<SegmentView>, DbError> {
        let mut tx = self.db.tx().await?;
        let updated =
            sqlx::query("UPDATE segments SET name = COALESCE($2, name), rule = COALESCE($3, rule), updated_at = now() WHERE id = $1")
                .bind(id)
                .bind(name)
                .bind(rule.map(Rule::to_json))
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    DbError::on_constraint(e, "segments_name_key", Conflict::SegmentExists(name.unwrap_or_default().to_owned()))
                })?;
        tx.commit().await?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        self.get(id).await
    }

    /// Deletes a segment no draft or scheduled campaign reads and no live
    /// sequence enrols from
    /// ([`Conflict::SegmentInUse`] otherwise); false when there is none.
    pub async fn delete(&self, id: uuid::Uuid) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let users: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM campaigns WHERE (status IN ('draft', 'scheduled') AND audience ->> 'segment_id' = $1::text)
                OR (kind = 'drip' AND status IN ('draft', 'running', 'paused') AND drip ->> 'enroll_segment_id' = $1::text)
             ORDER BY created_at LIMIT 5 FOR UPDATE",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        if !users.is_empty() {
            let names = users.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            return Err(DbError::Conflict(Conflict::SegmentInUse(names)));
        }
        let gone = sqlx::query("DELETE FROM segments WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(gone.rows_affected() > 0)
    }

    /// A rule's member count and newest members.
    pub async fn preview(&self, rule: &Rule) -> Result<SegmentPreview, DbError> {
        let mut tx = self.db.tx().await?;
        bounded(&mut tx, RULE_TIMEOUT).await?;
        let n = count(&mut tx, self.db.id().0, rule).await?;
        let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {CONTACT_COLUMNS} FROM contacts c WHERE "));
        members(&mut q, self.db.id().0, rule);
        q.push(" ORDER BY c.created_at DESC, c.id DESC LIMIT ").push_bind(PREVIEW_CONTACTS);
        let rows = q.build().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(SegmentPreview { count: n, contacts: rows.iter().map(contact_view).collect::<Result<_, _>>()? })
    }

    /// A rule's members as a campaign audience, oldest contact first, at
    /// most `limit`.
    pub async fn audience(&self, rule: &Rule, limit: i64) -> Result<Vec<AudienceContact>, DbError> {
        let mut tx = self.db.tx().await?;
        bounded(&mut tx, AUDIENCE_TIMEOUT).await?;
        let mut q = QueryBuilder::<Postgres>::new("SELECT c.id, c.phone, c.name, c.custom_fields, c.opted_in FROM contacts c WHERE ");
        members(&mut q, self.db.id().0, rule);
        q.push(" ORDER BY c.created_at, c.id LIMIT ").push_bind(limit);
        let rows = q.build().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows.iter().map(audience_contact).collect::<Result<_, _>>()?)
    }
}

/// Longest a count or preview of rules may run (any reader may ask).
const RULE_TIMEOUT: &str = "5s";
/// Longest reading a segment's members at launch may run.
const AUDIENCE_TIMEOUT: &str = "30s";

/// Bounds every statement of the rest of `tx` (a slow rule fails with an
/// error instead of holding a connection).
async fn bounded(tx: &mut sqlx::Transaction<'static, Postgres>, limit: &str) -> Result<(), DbError> {
    sqlx::query("SELECT set_config('statement_timeout', $1, true)").bind(limit).execute(&mut **tx).await?;
    Ok(())
}

/// How many of the tenant's contacts the rule holds.
async fn count(tx: &mut sqlx::Transaction<'static, Postgres>, tenant: uuid::Uuid, rule: &Rule) -> Result<i64, DbError> {
    let mut q = QueryBuilder::<Postgres>::new("SELECT count(*) FROM contacts c WHERE ");
    members(&mut q, tenant, rule);
    Ok(q.build_query_scalar::<i64>().fetch_one(&mut **tx).await?)
}

/// `c.tenant_id = … AND (rule)`: the tenant's own contacts (row-level
/// security holds the same line) that the rule holds.
fn members(q: &mut QueryBuilder<'_, Postgres>, tenant: uuid::Uuid, rule: &Rule) {
    q.push("c.tenant_id = ").push_bind(tenant).push(" AND ");
    push_rule(q, rule);
}

/// Writes a rule as a SQL condition on `contacts c`; every value is bound.
fn push_rule(q: &mut QueryBuilder<'_, Postgres>, rule: &Rule) {
    match rule {
        Rule::Group(join, members) => {
            let sep = if *join == Join::All { " AND " } else { " OR " };
            q.push("(");
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    q.push(sep);
                }
                push_rule(q, m);
            }
            q.push(")");
        }
        Rule::Condition(c) => push_condition(q, c),
    }
}

fn push_condition(q: &mut QueryBuilder<'_, Postgres>, c: &Condition) {
    let conversation = "EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = c.id AND ";
    match c {
        Condition::HasTag(t) => {
            q.push("c.tags @> ARRAY[").push_bind(t.clone()).push("]::text[]");
        }
        Condition::LacksTag(t) => {
            q.push("NOT (c.tags @> ARRAY[").push_bind(t.clone()).push("]::text[])");
        }
        Condition::Custom(name, test) => push_field_test(q, name, test),
        Condition::OptedIn(b) => {
            q.push("c.opted_in = ").push_bind(*b);
        }
        Condition::Channel(id) => {
            q.push(conversation).push("v.channel_id = ").push_bind(*id).push(")");
        }
        Condition::LastInbound(LastInbound::WithinDays(d)) => {
            q.push(conversation).push("v.last_inbound_at >= now() - make_interval(days => ").push_bind(*d as i32).push("))");
        }
        Condition::LastInbound(LastInbound::OlderThanDays(d)) => {
            q.push(conversation).push("v.last_inbound_at IS NOT NULL) AND NOT ");
            q.push(conversation).push("v.last_inbound_at >= now() - make_interval(days => ").push_bind(*d as i32).push("))");
        }
        Condition::LastInbound(LastInbound::Never) => {
            q.push("NOT ").push(conversation).push("v.last_inbound_at IS NOT NULL)");
        }
        Condition::ConversationStatus(s) => {
            q.push(conversation).push("v.status = ").push_bind(s.as_str()).push(")");
        }
        Condition::PhoneStartsWith(p) => {
            // Only `+` and digits: no LIKE wildcard can be in it.
            q.push("c.phone LIKE ").push_bind(format!("{p}%"));
        }
        Condition::NameContains(s) => {
            q.push("strpos(lower(COALESCE(c.name, '')), lower(").push_bind(s.clone()).push(")) > 0");
        }
    }
}

fn push_field_test(q: &mut QueryBuilder<'_, Postgres>, name: &str, test: &FieldTest) {
    let text = |q: &mut QueryBuilder<'_, Postgres>| {
        q.push("(c.custom_fields ->> ").push_bind(name.to_owned()).push(")");
    };
    let number = |q: &mut QueryBuilder<'_, Postgres>| {
        // Numbers, and text that reads as one ("42", " 3.5 "), compare as numbers.
        q.push("(CASE WHEN (c.custom_fields ->> ")
            .push_bind(name.to_owned())
            .push(") ~ '^\\s*-?[0-9]+(\\.[0-9]+)?\\s*$' THEN (c.custom_fields ->> ")
            .push_bind(name.to_owned())
            .push(")::numeric END)");
    };
    let equal = |q: &mut QueryBuilder<'_, Postgres>, v: &Value| match v {
        Value::String(s) => {
            q.push("lower");
            text(q);
            q.push(" = lower(").push_bind(s.clone()).push(")");
        }
        Value::Number(n) => {
            number(q);
            q.push(" = ").push_bind(n.as_f64().unwrap_or_default()).push("::numeric");
        }
        other => {
            q.push("(c.custom_fields -> ").push_bind(name.to_owned()).push(") = ").push_bind(other.clone()).push("::jsonb");
        }
    };
    match test {
        FieldTest::Eq(v) => {
            q.push("(");
            equal(q, v);
            q.push(")");
        }
        FieldTest::Neq(v) => {
            q.push("(");
            equal(q, v);
            q.push(") IS NOT TRUE");
        }
        FieldTest::Contains(s) => {
            q.push("strpos(lower(COALESCE(");
            text(q);
            q.push(", '')), lower(").push_bind(s.clone()).push(")) > 0");
        }
        FieldTest::Gt(n) => {
            number(q);
            q.push(" > ").push_bind(*n).push("::numeric");
        }
        FieldTest::Lt(n) => {
            number(q);
            q.push(" < ").push_bind(*n).push("::numeric");
        }
        FieldTest::Exists => {
            // A JSON null reads as SQL NULL through ->>, so it is missing too.
            q.push("COALESCE(");
            text(q);
            q.push(", '') <> ''");
        }
        FieldTest::Missing => {
            q.push("COALESCE(");
            text(q);
            q.push(", '') = ''");
        }
    }
}
