//! Service levels: business hours and away messages, the satisfaction
//! survey's settings and answers, SLA policies, what the automation worker
//! knows of a conversation, and the managers' reports (read from rollups
//! kept as events happen, never by scanning messages).

use super::{DbError, TenantDb};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::Row;

/// A business-hours schedule (the account's when `team_id` is none).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, sqlx::FromRow, ts_rs::TS)]
pub struct HoursView {
    /// The team it is for (none: the account's).
    pub team_id: Option<uuid::Uuid>,
    /// IANA time zone.
    pub time_zone: String,
    /// `{"mon": [["09:00", "18:00"]], ...}`.
    #[ts(type = "Partial<Record<\"mon\" | \"tue\" | \"wed\" | \"thu\" | \"fri\" | \"sat\" | \"sun\", [string, string][]>>")]
    pub weekly: Value,
    /// `[{"date": "YYYY-MM-DD", "name"?}]`.
    #[ts(type = "{ date: string; name?: string }[]")]
    #[serde(default = "no_holidays")]
    pub holidays: Value,
    /// Whether the away message is sent outside hours.
    #[serde(default)]
    pub away_enabled: bool,
    /// The away message.
    #[serde(default)]
    pub away_message: Option<String>,
    /// At most one away message per conversation in this many hours.
    #[serde(default = "daily")]
    pub away_every_hours: i32,
}

fn no_holidays() -> Value {
    json!([])
}

fn daily() -> i32 {
    24
}

/// How conversations get an assignee without a person choosing.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, sqlx::FromRow, ts_rs::TS)]
pub struct AssignmentSettings {
    /// When the bot hands a conversation over, give it to an online agent
    /// (of its team, by the team's rule; else the least busy).
    pub assign_on_handoff: bool,
    /// When an agent answers a conversation nobody holds, it becomes theirs.
    pub assign_on_first_reply: bool,
}

/// The survey's settings.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct CsatSettings {
    /// Whether resolving sends the survey.
    pub csat_enabled: bool,
    /// Its question.
    pub csat_question: String,
    /// What is said after a rating (inviting a comment).
    pub csat_thanks: String,
}

/// An SLA policy (the account's when `team_id` is none).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct SlaPolicy {
    /// The team (none: the account's default).
    pub team_id: Option<uuid::Uuid>,
    /// Minutes to the first answer.
    pub first_response_minutes: Option<i32>,
    /// Minutes to resolution.
    pub resolution_minutes: Option<i32>,
}

/// What the automation worker knows of a conversation.
#[derive(Debug, Clone)]
pub struct ConversationFacts {
    /// Id.
    pub id: uuid::Uuid,
    /// Its contact.
    pub contact_id: uuid::Uuid,
    /// Its number.
    pub channel_id: uuid::Uuid,
    /// Status.
    pub status: String,
    /// Assignee.
    pub assignee_id: Option<uuid::Uuid>,
    /// Team.
    pub team_id: Option<uuid::Uuid>,
    /// The customer's last message.
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// The last away message.
    pub away_sent_at: Option<DateTime<Utc>>,
    /// The open survey.
    pub csat_asked_at: Option<DateTime<Utc>>,
    /// The facts rules' conditions read (`contact`, `conversation`).
    pub facts: Value,
}

/// Whether `team` (None: the account itself) is one of the account's teams.
async fn team_is_ours(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, team: Option<uuid::Uuid>) -> Result<bool, sqlx::Error> {
    let Some(team) = team else { return Ok(true) };
    let found: Option<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM teams WHERE id = $1").bind(team).fetch_optional(&mut **tx).await?;
    Ok(found.is_some())
}

/// A tenant's service-level settings and records.
pub struct Service<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Service<'_> {
    /// Every schedule: the account's first, then the teams'.
    pub async fn hours(&self) -> Result<Vec<HoursView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query_as(
            "SELECT team_id, time_zone, weekly, holidays, away_enabled, away_message, away_every_hours FROM business_hours
             ORDER BY team_id NULLS FIRST",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// The schedule that applies to a team (its own, else the account's).
    pub async fn hours_for(&self, team: Option<uuid::Uuid>) -> Result<Option<(uuid::Uuid, HoursView)>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(
            "SELECT id, team_id, time_zone, weekly, holidays, away_enabled, away_message, away_every_hours FROM business_hours
             WHERE team_id IS NULL OR team_id = $1 ORDER BY team_id NULLS LAST LIMIT 1",
        )
        .bind(team)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row
            .map(|r| -> Result<(uuid::Uuid, HoursView), sqlx::Error> {
                Ok((r.try_get("id")?, <HoursView as sqlx::FromRow<_>>::from_row(&r)?))
            })
            .transpose()?)
    }

    /// Saves a schedule (the account's, or a team's); false when the team is not the account's.
    pub async fn put_hours(&self, h: &HoursView) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        if !team_is_ours(&mut tx, h.team_id).await? {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO business_hours (id, tenant_id, team_id, time_zone, weekly, holidays, away_enabled, away_message, away_every_hours)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (tenant_id, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid)) DO UPDATE SET
                time_zone = EXCLUDED.time_zone, weekly = EXCLUDED.weekly, holidays = EXCLUDED.holidays, away_enabled = EXCLUDED.away_enabled,
                away_message = EXCLUDED.away_message, away_every_hours = EXCLUDED.away_every_hours, updated_at = now()",
        )
        .bind(uuid::Uuid::new_v4())
        .bind(self.db.tenant.0)
        .bind(h.team_id)
        .bind(&h.time_zone)
        .bind(&h.weekly)
        .bind(&h.holidays)
        .bind(h.away_enabled)
        .bind(&h.away_message)
        .bind(h.away_every_hours)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes a schedule (the account's, or a team's, which then follows
    /// the account's); false when none.
    pub async fn delete_hours(&self, team: Option<uuid::Uuid>) -> Result<bool, DbError> {
        self.delete_scoped("business_hours", team).await
    }

    async fn delete_scoped(&self, table: &'static str, team: Option<uuid::Uuid>) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(&format!("DELETE FROM {table} WHERE team_id IS NOT DISTINCT FROM $1"))
            .bind(team)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// The survey's settings (defaults when never saved).
    pub async fn csat_settings(&self) -> Result<CsatSettings, DbError> {
        let mut tx = self.db.tx().await?;
        let row: Option<CsatSettings> =
            sqlx::query_as("SELECT csat_enabled, csat_question, csat_thanks FROM teamwork_settings").fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row.unwrap_or(CsatSettings {
            csat_enabled: false,
            csat_question: "How would you rate our support?".into(),
            csat_thanks: "Thank you! Anything you would like to add?".into(),
        }))
    }

    /// Saves the survey's settings.
    pub async fn put_csat_settings(&self, s: &CsatSettings) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query(
            "INSERT INTO teamwork_settings (tenant_id, csat_enabled, csat_question, csat_thanks) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id) DO UPDATE SET csat_enabled = EXCLUDED.csat_enabled, csat_question = EXCLUDED.csat_question,
                csat_thanks = EXCLUDED.csat_thanks, updated_at = now()",
        )
        .bind(self.db.tenant.0)
        .bind(s.csat_enabled)
        .bind(&s.csat_question)
        .bind(&s.csat_thanks)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How conversations get an assignee without a person choosing
    /// (defaults when never saved: both on).
    pub async fn assignment_settings(&self) -> Result<AssignmentSettings, DbError> {
        let mut tx = self.db.tx().await?;
        let row: Option<AssignmentSettings> =
            sqlx::query_as("SELECT assign_on_handoff, assign_on_first_reply FROM teamwork_settings").fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row.unwrap_or(AssignmentSettings { assign_on_handoff: true, assign_on_first_reply: true }))
    }

    /// Saves them.
    pub async fn put_assignment_settings(&self, s: &AssignmentSettings) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query(
            "INSERT INTO teamwork_settings (tenant_id, assign_on_handoff, assign_on_first_reply) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id) DO UPDATE SET assign_on_handoff = EXCLUDED.assign_on_handoff,
                assign_on_first_reply = EXCLUDED.assign_on_first_reply, updated_at = now()",
        )
        .bind(self.db.tenant.0)
        .bind(s.assign_on_handoff)
        .bind(s.assign_on_first_reply)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every SLA policy: the account's first.
    pub async fn sla_policies(&self) -> Result<Vec<SlaPolicy>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows =
            sqlx::query_as("SELECT team_id, first_response_minutes, resolution_minutes FROM sla_policies ORDER BY team_id NULLS FIRST")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Saves an SLA policy; false when the team is not the account's.
    pub async fn put_sla_policy(&self, p: &SlaPolicy) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        if !team_is_ours(&mut tx, p.team_id).await? {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO sla_policies (id, tenant_id, team_id, first_response_minutes, resolution_minutes) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid)) DO UPDATE SET
                first_response_minutes = EXCLUDED.first_response_minutes, resolution_minutes = EXCLUDED.resolution_minutes, updated_at = now()",
        )
        .bind(uuid::Uuid::new_v4())
        .bind(self.db.tenant.0)
        .bind(p.team_id)
        .bind(p.first_response_minutes)
        .bind(p.resolution_minutes)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes an SLA policy; false when none.
    pub async fn delete_sla_policy(&self, team: Option<uuid::Uuid>) -> Result<bool, DbError> {
        self.delete_scoped("sla_policies", team).await
    }

    /// What rules and the worker know of a conversation.
    pub async fn facts(&self, conversation: uuid::Uuid) -> Result<Option<ConversationFacts>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(
            "SELECT c.id, c.contact_id, c.channel_id, c.status, c.assignee_id, c.team_id, c.tags, c.priority, c.last_inbound_at,
                    c.away_sent_at, c.csat_asked_at, k.name, k.phone, k.tags AS contact_tags, k.custom_fields, k.opted_in
             FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.id = $1",
        )
        .bind(conversation)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(r) = row else { return Ok(None) };
        let facts = json!({
            "conversation": {
                "id": r.try_get::<uuid::Uuid, _>("id")?, "status": r.try_get::<String, _>("status")?,
                "tags": r.try_get::<Vec<String>, _>("tags")?, "priority": r.try_get::<String, _>("priority")?,
                "channel_id": r.try_get::<uuid::Uuid, _>("channel_id")?, "team_id": r.try_get::<Option<uuid::Uuid>, _>("team_id")?,
                "assignee_id": r.try_get::<Option<uuid::Uuid>, _>("assignee_id")?,
            },
            "contact": {
                "id": r.try_get::<uuid::Uuid, _>("contact_id")?, "name": r.try_get::<Option<String>, _>("name")?,
                "phone": r.try_get::<Option<String>, _>("phone")?, "tags": r.try_get::<Vec<String>, _>("contact_tags")?,
                "fields": r.try_get::<Value, _>("custom_fields")?, "opted_in": r.try_get::<bool, _>("opted_in")?,
            },
        });
        Ok(Some(ConversationFacts {
            id: r.try_get("id")?,
            contact_id: r.try_get("contact_id")?,
            channel_id: r.try_get("channel_id")?,
            status: r.try_get("status")?,
            assignee_id: r.try_get("assignee_id")?,
            team_id: r.try_get("team_id")?,
            last_inbound_at: r.try_get("last_inbound_at")?,
            away_sent_at: r.try_get("away_sent_at")?,
            csat_asked_at: r.try_get("csat_asked_at")?,
            facts,
        }))
    }

    /// The contact's most recent conversation (for contact events).
    pub async fn latest_conversation_of(&self, contact: uuid::Uuid) -> Result<Option<uuid::Uuid>, DbError> {
        let mut tx = self.db.tx().await?;
        let id = sqlx::query_scalar(
            "SELECT id FROM conversations WHERE contact_id = $1 ORDER BY COALESCE(last_message_at, created_at) DESC LIMIT 1",
        )
        .bind(contact)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims the right to send the away message now (at most once per
    /// `every_hours`); false when one went out more recently.
    pub async fn claim_away(&self, conversation: uuid::Uuid, every_hours: i32) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "UPDATE conversations SET away_sent_at = now() WHERE id = $1
               AND (away_sent_at IS NULL OR away_sent_at < now() - make_interval(hours => $2))",
        )
        .bind(conversation)
        .bind(every_hours)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Notes that the survey was sent now.
    pub async fn mark_csat_asked(&self, conversation: uuid::Uuid) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query("UPDATE conversations SET csat_asked_at = now() WHERE id = $1").bind(conversation).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a rating for the open survey (once per survey) and emits
    /// `csat.received`; false when there is no open survey or it was answered.
    pub async fn record_rating(&self, f: &ConversationFacts, rating: i32) -> Result<bool, DbError> {
        let Some(asked) = f.csat_asked_at else { return Ok(false) };
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "INSERT INTO csat_responses (id, tenant_id, conversation_id, agent_id, team_id, rating, survey_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (conversation_id, survey_at) DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4())
        .bind(self.db.tenant.0)
        .bind(f.id)
        .bind(f.assignee_id)
        .bind(f.team_id)
        .bind(rating)
        .bind(asked)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            sqlx::query("SELECT webhook_emit($1, 'csat.received', $2)")
                .bind(self.db.tenant.0)
                .bind(json!({"conversation_id": f.id, "rating": rating, "agent_id": f.assignee_id, "team_id": f.team_id,
                             "contact": f.facts["contact"]}))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Keeps a text as the comment of the survey rated within the last hour
    /// (once); the survey is then closed. False when there is none to comment.
    pub async fn record_comment(&self, conversation: uuid::Uuid, comment: &str) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "UPDATE csat_responses SET comment = $2 WHERE conversation_id = $1 AND comment IS NULL
               AND created_at > now() - make_interval(mins => $3)
               AND survey_at = (SELECT csat_asked_at FROM conversations WHERE id = $1)",
        )
        .bind(conversation)
        .bind(comment.chars().take(4096).collect::<String>())
        .bind(i32::try_from(crate::automations::csat::COMMENT_WITHIN_MINUTES).unwrap_or(60))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            sqlx::query("UPDATE conversations SET csat_asked_at = NULL WHERE id = $1").bind(conversation).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Sets a conversation's priority; false when none.
    pub async fn set_priority(&self, conversation: uuid::Uuid, priority: &str) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query("UPDATE conversations SET priority = $2, updated_at = now() WHERE id = $1")
            .bind(conversation)
            .bind(priority)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// The conversation's last `n` text messages, oldest first: (inbound, text).
    pub async fn transcript(&self, conversation: uuid::Uuid, n: i64) -> Result<Vec<(bool, String)>, DbError> {
        let mut tx = self.db.tx().await?;
        let mut rows: Vec<(bool, String)> = sqlx::query_as(
            "SELECT direction = 'inbound', content->>'body' FROM messages
             WHERE conversation_id = $1 AND type = 'text' AND content ? 'body' ORDER BY seq DESC LIMIT $2",
        )
        .bind(conversation)
        .bind(n)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.reverse();
        Ok(rows)
    }

    /// The offline engine of smart replies: canned replies (the shared ones
    /// and `viewer`'s) and past agent answers whose question resembles
    /// `question` (from conversations the viewer may see; the latest 500
    /// matches), best first: (text, source, canned id).
    pub async fn retrieve_answers(
        &self,
        question: &str,
        viewer: uuid::Uuid,
        sees_all: bool,
    ) -> Result<Vec<(String, String, Option<uuid::Uuid>)>, DbError> {
        let words: Vec<String> =
            question.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3).map(str::to_lowercase).take(16).collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let query = words.join(" or ");
        let mut tx = self.db.tx().await?;
        let rows: Vec<(String, String, Option<uuid::Uuid>)> = sqlx::query_as(
            "WITH q AS (SELECT websearch_to_tsquery('simple', $1) AS q)
             SELECT text, source, canned_id FROM (
                 SELECT c.text, 'canned' AS source, c.id AS canned_id,
                        ts_rank(to_tsvector('simple', c.shortcut || ' ' || c.text), q.q) * 1.5 AS rank
                 FROM canned_replies c, q WHERE (c.owner_id IS NULL OR c.owner_id = $2)
                   AND to_tsvector('simple', c.shortcut || ' ' || c.text) @@ q.q
                 UNION ALL
                 SELECT m.answer, 'history', NULL, max(m.rank) * (1 + ln(count(*))) FROM (
                     SELECT a.answer, ts_rank(a.question_tsv, q.q) AS rank FROM answer_memory a
                     JOIN conversations c ON c.id = a.conversation_id, q
                     WHERE a.question_tsv @@ q.q AND ($3 OR c.assignee_id IS NULL OR c.assignee_id = $2)
                     ORDER BY a.created_at DESC LIMIT 500) m
                 GROUP BY m.answer
             ) s ORDER BY rank DESC LIMIT 6",
        )
        .bind(query)
        .bind(viewer)
        .bind(sees_all)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Whether a message (by wamid) was sent by a campaign.
    pub async fn is_campaign_message(&self, wamid: &str) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let found: Option<bool> = sqlx::query_scalar("SELECT sent_by->>'kind' = 'campaign' FROM messages WHERE wamid = $1")
            .bind(wamid)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(found.unwrap_or(false))
    }
}

/// Percentiles and counts for one agent or team over a period.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct PerformanceRow {
    /// The agent or team (none: no team / nobody).
    pub id: Option<uuid::Uuid>,
    /// Its name.
    pub name: Option<String>,
    /// Conversations resolved.
    pub resolved: i64,
    /// Agent answers to waiting customers.
    pub replies: i64,
    /// First response time, median seconds.
    pub first_response_p50: Option<f64>,
    /// First response time, 90th percentile seconds.
    pub first_response_p90: Option<f64>,
    /// Resolution time, median seconds.
    pub resolution_p50: Option<f64>,
    /// Resolution time, 90th percentile seconds.
    pub resolution_p90: Option<f64>,
    /// Ratings received.
    pub csat_count: i64,
    /// Their average (1–5).
    pub csat_average: Option<f64>,
}

impl Service<'_> {
    /// Per agent (`by` = "agent") or per team ("team") over [from, to).
    pub async fn performance(&self, by: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<PerformanceRow>, DbError> {
        let (col, names) =
            if by == "team" { ("team_id", "SELECT id, name FROM teams") } else { ("agent_id", "SELECT id, name FROM users") };
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(&format!(
            "WITH r AS (SELECT {col} AS id, count(*) FILTER (WHERE first) AS firsts, count(*) AS replies,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE first) AS fr50,
                               percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE first) AS fr90
                        FROM reply_times WHERE at >= $1 AND at < $2 GROUP BY {col}),
                  s AS (SELECT {col} AS id, count(*) AS resolved,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS rs50,
                               percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS rs90
                        FROM resolutions WHERE at >= $1 AND at < $2 GROUP BY {col}),
                  c AS (SELECT {col} AS id, count(*) AS n, avg(rating)::float8 AS avg FROM csat_responses
                        WHERE created_at >= $1 AND created_at < $2 GROUP BY {col}),
                  ids AS (SELECT id FROM r UNION SELECT id FROM s UNION SELECT id FROM c)
             SELECT ids.id, nm.name, COALESCE(s.resolved, 0) AS resolved, COALESCE(r.replies, 0) AS replies,
                    r.fr50, r.fr90, s.rs50, s.rs90, COALESCE(c.n, 0) AS csat_count, c.avg AS csat_average
             FROM ids LEFT JOIN r ON r.id IS NOT DISTINCT FROM ids.id LEFT JOIN s ON s.id IS NOT DISTINCT FROM ids.id
                  LEFT JOIN c ON c.id IS NOT DISTINCT FROM ids.id LEFT JOIN ({names}) nm ON nm.id = ids.id
             ORDER BY nm.name NULLS LAST, ids.id"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows
            .iter()
            .map(|r| -> Result<PerformanceRow, sqlx::Error> {
                Ok(PerformanceRow {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    resolved: r.try_get("resolved")?,
                    replies: r.try_get("replies")?,
                    first_response_p50: r.try_get("fr50")?,
                    first_response_p90: r.try_get("fr90")?,
                    resolution_p50: r.try_get("rs50")?,
                    resolution_p90: r.try_get("rs90")?,
                    csat_count: r.try_get("csat_count")?,
                    csat_average: r.try_get("csat_average")?,
                })
            })
            .collect::<Result<_, _>>()?)
    }

    /// Conversations opened (new) and resolved per UTC day and channel over [from, to).
    pub async fn conversations_by_day(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Value>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "WITH o AS (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, channel_id, count(*) AS opened FROM conversations
                        WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2),
                  r AS (SELECT (at AT TIME ZONE 'UTC')::date AS day, channel_id, count(*) AS resolved FROM resolutions
                        WHERE at >= $1 AND at < $2 GROUP BY 1, 2)
             SELECT COALESCE(o.day, r.day) AS day, COALESCE(o.channel_id, r.channel_id) AS channel_id, ch.name AS channel_name,
                    COALESCE(o.opened, 0) AS opened, COALESCE(r.resolved, 0) AS resolved
             FROM o FULL JOIN r ON r.day = o.day AND r.channel_id = o.channel_id
             LEFT JOIN channels ch ON ch.id = COALESCE(o.channel_id, r.channel_id) ORDER BY 1, 2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows
            .iter()
            .map(|r| -> Result<Value, sqlx::Error> {
                Ok(json!({
                    "day": r.try_get::<chrono::NaiveDate, _>("day")?, "channel_id": r.try_get::<uuid::Uuid, _>("channel_id")?,
                    "channel_name": r.try_get::<Option<String>, _>("channel_name")?,
                    "opened": r.try_get::<i64, _>("opened")?, "resolved": r.try_get::<i64, _>("resolved")?,
                }))
            })
            .collect::<Result<_, _>>()?)
    }

    /// The ratings of [from, to): distribution, average and the latest comments.
    pub async fn csat_report(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Value, DbError> {
        let mut tx = self.db.tx().await?;
        let dist: Vec<(i32, i64)> = sqlx::query_as(
            "SELECT rating, count(*) FROM csat_responses WHERE created_at >= $1 AND created_at < $2 GROUP BY rating ORDER BY rating",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
        let recent = sqlx::query(
            "SELECT r.conversation_id, r.rating, r.comment, r.created_at, r.agent_id, u.name AS agent_name FROM csat_responses r
             LEFT JOIN users u ON u.id = r.agent_id WHERE r.created_at >= $1 AND r.created_at < $2 ORDER BY r.created_at DESC LIMIT 50",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let total: i64 = dist.iter().map(|(_, n)| n).sum();
        let sum: i64 = dist.iter().map(|(r, n)| i64::from(*r) * n).sum();
        let recent: Vec<Value> = recent
            .iter()
            .map(|r| -> Result<Value, sqlx::Error> {
                Ok(json!({
                    "conversation_id": r.try_get::<uuid::Uuid, _>("conversation_id")?, "rating": r.try_get::<i32, _>("rating")?,
                    "comment": r.try_get::<Option<String>, _>("comment")?, "at": r.try_get::<DateTime<Utc>, _>("created_at")?,
                    "agent_id": r.try_get::<Option<uuid::Uuid>, _>("agent_id")?, "agent_name": r.try_get::<Option<String>, _>("agent_name")?,
                }))
            })
            .collect::<Result<_, _>>()?;
        Ok(json!({
            "responses": total,
            "average": if total > 0 { Some(sum as f64 / total as f64) } else { None },
            "distribution": dist.iter().map(|(r, n)| json!({"rating": r, "count": n})).collect::<Vec<_>>(),
            "recent": recent,
        }))
    }
}
