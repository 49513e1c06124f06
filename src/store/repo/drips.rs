//! A tenant's drip sequences: campaigns of kind `drip` with versioned
//! steps, the contacts enrolled in them (each a row with the step it waits
//! for and when that step is due) and what each step did for each contact.
//!
//! A step is handed over in three moves, each its own transaction: claim
//! (the enrolment is marked claimed and a `sending` row written for the
//! step), hand over (the conversation stores the message under the key
//! `drip:<enrolment>:<position>`), record (the row links the message and
//! the enrolment moves to its next step or ends). A crash between them
//! leaves the `sending` row, and the next pass hands it over again under
//! the same key, which finds the message stored the first time: each step
//! reaches each contact once.

use super::campaigns::{CampaignStatus, Cost};
use super::{DbError, TenantDb};
use crate::drips::spec::{DripSettings, StepSpec};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::Row;
use std::collections::BTreeMap;
use whatsflow_actors::ids::{CampaignId, ChannelId, ContactId, MessageId, UserId};

/// Columns of [`drip_from_row`].
const COLUMNS: &str =
    "id, name, channel_id, status, paused_reason, timezone, drip, drip_version, created_by, created_at, updated_at, started_at, running_since";

/// A sequence as the API shows it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct DripView {
    /// Id (a campaign's).
    pub id: CampaignId,
    /// Always `drip`.
    #[serde(rename = "type")]
    #[ts(type = "\"drip\"")]
    pub kind: &'static str,
    /// What the business calls it.
    pub name: String,
    /// The number it sends from.
    pub channel_id: ChannelId,
    /// draft, running, paused or cancelled.
    pub status: CampaignStatus,
    /// Why it paused itself, when it did.
    pub paused_reason: Option<String>,
    /// The zone of contacts whose own is unknown (IANA).
    pub timezone: String,
    /// Exit rules, re-entry and enrolment by tag.
    #[serde(flatten)]
    pub settings: DripSettings,
    /// The steps' current version.
    pub version: i32,
    /// The current version's steps, in order.
    pub steps: Vec<DripStep>,
    /// Who wrote it.
    pub created_by: Option<UserId>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// When it first started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it last started or resumed.
    #[serde(skip)]
    pub running_since: Option<DateTime<Utc>>,
}

/// One step of one version.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct DripStep {
    /// This version's row (a contact waiting at it keeps it).
    pub id: uuid::Uuid,
    /// Its place, from 0.
    pub position: i32,
    /// Its version.
    pub version: i32,
    /// What it does.
    #[serde(flatten)]
    pub spec: StepSpec,
}

fn drip_from_row(r: &PgRow) -> Result<DripView, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let settings: Option<Value> = r.try_get("drip")?;
    Ok(DripView {
        id: CampaignId(r.try_get("id")?),
        kind: "drip",
        name: r.try_get("name")?,
        channel_id: ChannelId(r.try_get("channel_id")?),
        status: CampaignStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("campaign status `{status}`").into()))?,
        paused_reason: r.try_get("paused_reason")?,
        timezone: r.try_get("timezone")?,
        settings: settings.and_then(|s| serde_json::from_value(s).ok()).unwrap_or_default(),
        version: r.try_get("drip_version")?,
        steps: Vec::new(),
        created_by: r.try_get::<Option<uuid::Uuid>, _>("created_by")?.map(UserId),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        started_at: r.try_get("started_at")?,
        running_since: r.try_get("running_since")?,
    })
}

fn step_from_row(r: &PgRow) -> Result<DripStep, sqlx::Error> {
    let spec: Value = r.try_get("spec")?;
    Ok(DripStep {
        id: r.try_get("id")?,
        position: r.try_get("position")?,
        version: r.try_get("version")?,
        spec: serde_json::from_value(spec).map_err(|e| sqlx::Error::Decode(format!("drip step: {e}").into()))?,
    })
}

/// A sequence to write (or its new content).
#[derive(Debug, Clone)]
pub struct DripDraft {
    /// Name.
    pub name: String,
    /// Number.
    pub channel_id: ChannelId,
    /// Fallback zone (IANA).
    pub timezone: String,
    /// Its rules.
    pub settings: DripSettings,
    /// Its steps.
    pub steps: Vec<StepSpec>,
    /// The number's rate (messages per second).
    pub rate_mps: i32,
}

/// Where an enrolment stands.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct Enrollment {
    /// Id.
    pub id: uuid::Uuid,
    /// The sequence.
    pub campaign_id: CampaignId,
    /// The contact.
    pub contact_id: ContactId,
    /// Their name.
    pub contact_name: Option<String>,
    /// Their number.
    pub phone: Option<String>,
    /// active, completed or exited.
    pub state: String,
    /// The step (from 1) they wait for; once ended, the last they reached.
    pub step: i32,
    /// That step's name.
    pub step_name: Option<String>,
    /// When it is due (active only).
    pub due_at: Option<DateTime<Utc>>,
    /// When they were enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why they left early.
    pub exit_reason: Option<String>,
    /// How they came in: api, bulk, tag, flow, automation.
    pub source: String,
}

const ENROLLMENT_COLUMNS: &str = "e.id, e.campaign_id, e.contact_id, k.name AS contact_name, k.phone, e.state, e.position, e.due_at,
    e.enrolled_at, e.ended_at, e.exit_reason, e.source, e.created_at, st.spec->>'name' AS step_name";

fn enrollment_from_row(r: &PgRow) -> Result<Enrollment, sqlx::Error> {
    let state: String = r.try_get("state")?;
    let position: i32 = r.try_get("position")?;
    Ok(Enrollment {
        id: r.try_get("id")?,
        campaign_id: CampaignId(r.try_get("campaign_id")?),
        contact_id: ContactId(r.try_get("contact_id")?),
        contact_name: r.try_get("contact_name")?,
        phone: r.try_get("phone")?,
        step: position + 1,
        step_name: r.try_get("step_name")?,
        due_at: if state == "active" { r.try_get("due_at")? } else { None },
        state,
        enrolled_at: r.try_get("enrolled_at")?,
        ended_at: r.try_get("ended_at")?,
        exit_reason: r.try_get("exit_reason")?,
        source: r.try_get("source")?,
    })
}

/// One step's outcome for one contact, as the path shows it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct PathStep {
    /// The step's place, from 0.
    pub position: i32,
    /// Its name (in the version the contact got).
    pub step_name: Option<String>,
    /// sending, accepted, sent, delivered, read, failed or skipped.
    pub status: String,
    /// Why skipped.
    pub skip_reason: Option<String>,
    /// Whether the template or the session message went.
    pub sent_as: Option<String>,
    /// The message.
    pub message_id: Option<MessageId>,
    /// When it was handed over (or skipped).
    pub at: Option<DateTime<Utc>>,
    /// When it was due.
    pub due_at: Option<DateTime<Utc>>,
    /// Meta's error, when it failed.
    pub error: Option<super::campaigns::RecipientError>,
}

/// An enrolment with its way so far.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct EnrollmentPath {
    /// The enrolment.
    #[serde(flatten)]
    pub enrollment: Enrollment,
    /// Each step it went through, in order.
    pub path: Vec<PathStep>,
}

/// A sequence's counts: enrolments by state, and per step.
#[derive(Debug, Clone, Default, serde::Serialize, ts_rs::TS)]
pub struct DripStats {
    /// Every enrolment.
    pub enrolled: i64,
    /// Waiting for a step.
    pub active: i64,
    /// Went through every step.
    pub completed: i64,
    /// Left early.
    pub exited: i64,
    /// Of them, per reason.
    pub exited_by_reason: BTreeMap<String, i64>,
    /// Per step.
    pub steps: Vec<StepStats>,
    /// What the delivered messages cost.
    pub cost: Cost,
}

/// One step's counts; sent, delivered and read are cumulative (a read
/// message was sent and delivered).
#[derive(Debug, Clone, Default, serde::Serialize, ts_rs::TS)]
pub struct StepStats {
    /// Its place, from 0.
    pub position: i32,
    /// Its (current) name.
    pub name: String,
    /// Contacts waiting for it now.
    pub waiting: i64,
    /// Handed over, Meta's answer pending.
    pub sending: i64,
    /// At least sent.
    pub sent: i64,
    /// At least delivered.
    pub delivered: i64,
    /// Read.
    pub read: i64,
    /// Wrote back within 72 hours of it.
    pub replied: i64,
    /// Failed.
    pub failed: i64,
    /// Skipped (its condition did not hold, the window was closed with no template, …).
    pub skipped: i64,
    /// Contacts who left while waiting for it.
    pub exited: i64,
    /// Of them, per reason.
    pub exited_by_reason: BTreeMap<String, i64>,
    /// What it cost, in ten-thousandths.
    pub cost_e4: i64,
}

/// A contact as a step needs them.
#[derive(Debug, Clone)]
pub struct ContactFacts {
    /// Id.
    pub id: ContactId,
    /// E.164.
    pub phone: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Custom fields.
    pub custom_fields: Value,
    /// Marketing consent.
    pub opted_in: bool,
    /// Tags.
    pub tags: Vec<String>,
}

impl ContactFacts {
    /// The shape the campaigns' audience rules read.
    pub fn audience(&self) -> super::campaigns::AudienceContact {
        super::campaigns::AudienceContact {
            id: Some(self.id),
            phone: self.phone.clone(),
            name: self.name.clone(),
            custom_fields: self.custom_fields.clone(),
            opted_in: self.opted_in,
            columns: None,
            line: None,
        }
    }
}

fn facts_from_row(r: &PgRow) -> Result<ContactFacts, sqlx::Error> {
    Ok(ContactFacts {
        id: ContactId(r.try_get("contact_id")?),
        phone: r.try_get("phone")?,
        name: r.try_get("name")?,
        custom_fields: r.try_get("custom_fields")?,
        opted_in: r.try_get("opted_in")?,
        tags: r.try_get("tags")?,
    })
}

/// A step claimed for one contact.
#[derive(Debug, Clone)]
pub struct ClaimedStep {
    /// The enrolment.
    pub enrollment: uuid::Uuid,
    /// The step's place.
    pub position: i32,
    /// The step (the version the contact got); None when it was deleted.
    pub step: Option<DripStep>,
    /// The contact.
    pub contact: ContactFacts,
    /// When they were enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// When the step was due.
    pub due_at: Option<DateTime<Utc>>,
    /// They wrote after enrolling.
    pub replied: bool,
    /// The customer's last message on the sequence's number.
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// Meta's error code of an earlier step that failed, if any.
    pub failed_code: Option<i64>,
    /// The contact was erased.
    pub erased: bool,
}

impl ClaimedStep {
    /// The send key: one per enrolment and step.
    pub fn send_key(&self) -> String {
        format!("drip:{}:{}", self.enrollment, self.position)
    }
}

/// What became of a claimed step.
#[derive(Debug, Clone)]
pub enum StepDone {
    /// Its message is stored; the contact moves on (`next`) or completes.
    Sent {
        /// The enrolment.
        enrollment: uuid::Uuid,
        /// The message.
        message: MessageId,
        /// template or session.
        sent_as: &'static str,
        /// The next step and when it is due (None: the sequence is done).
        next: Option<NextStep>,
    },
    /// Not sent, for this reason; the contact moves on or completes.
    Skipped {
        /// The enrolment.
        enrollment: uuid::Uuid,
        /// Why.
        reason: &'static str,
        /// The next step.
        next: Option<NextStep>,
    },
    /// The contact leaves the sequence (the step did not run).
    Exited {
        /// The enrolment.
        enrollment: uuid::Uuid,
        /// Why.
        reason: &'static str,
    },
    /// Not stored now: handed over again under the same key, from
    /// `retry_at` (None: at once).
    Released {
        /// The enrolment.
        enrollment: uuid::Uuid,
        /// When to try again.
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Where an enrolment goes next.
#[derive(Debug, Clone)]
pub struct NextStep {
    /// The step's place.
    pub position: i32,
    /// The current version's row.
    pub step_id: uuid::Uuid,
    /// When it is due.
    pub due_at: DateTime<Utc>,
}

/// What an enrolment request did.
#[derive(Debug, Clone)]
pub enum Enrolled {
    /// A new enrolment.
    New(uuid::Uuid),
    /// The contact was already in the sequence.
    Already(uuid::Uuid),
    /// The re-entry policy refuses them until then (None: never).
    Refused(Option<DateTime<Utc>>),
}

/// A tenant's drip sequences.
pub struct Drips<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Drips<'_> {
    /// Writes a draft sequence with its first version of steps.
    pub async fn create(&self, d: &DripDraft, by: Option<UserId>) -> Result<DripView, DbError> {
        let mut tx = self.db.tx().await?;
        let first = d.steps.iter().find_map(|s| s.template.clone()).unwrap_or_default();
        let id = CampaignId::generate();
        sqlx::query(
            "INSERT INTO campaigns (id, tenant_id, kind, name, channel_id, template_name, template_language, variables, audience, rate_mps,
                 timezone, drip, drip_version, created_by)
             VALUES ($1, $2, 'drip', $3, $4, $5, $6, '{}', '{}', $7, $8, $9, 1, $10)",
        )
        .bind(id.0)
        .bind(self.db.tenant.0)
        .bind(&d.name)
        .bind(d.channel_id.0)
        .bind(&first.name)
        .bind(&first.language)
        .bind(d.rate_mps.clamp(1, 1000))
        .bind(&d.timezone)
        .bind(serde_json::to_value(&d.settings).unwrap_or_default())
        .bind(by.map(|u| u.0))
        .execute(&mut *tx)
        .await?;
        insert_steps(&mut tx, self.db.tenant.0, id, 1, &d.steps).await?;
        tx.commit().await?;
        self.get(id).await?.ok_or_else(|| DbError::Other(sqlx::Error::RowNotFound))
    }

    /// Rewrites a sequence that is not cancelled: its settings at once, its
    /// steps as a new version when they changed (contacts waiting at a
    /// step keep the version they got). None when there is none such.
    pub async fn update(&self, id: CampaignId, d: &DripDraft) -> Result<Option<DripView>, DbError> {
        let mut tx = self.db.tx().await?;
        let version: Option<i32> = sqlx::query_scalar(
            "SELECT drip_version FROM campaigns WHERE id = $1 AND kind = 'drip' AND status NOT IN ('cancelled', 'completed') FOR UPDATE",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(version) = version else { return Ok(None) };
        let current: Vec<Value> =
            sqlx::query_scalar("SELECT spec FROM drip_steps WHERE campaign_id = $1 AND version = $2 ORDER BY position")
                .bind(id.0)
                .bind(version)
                .fetch_all(&mut *tx)
                .await?;
        let wanted: Vec<Value> = d.steps.iter().map(|s| serde_json::to_value(s).unwrap_or_default()).collect();
        let version = if current == wanted {
            version
        } else {
            insert_steps(&mut tx, self.db.tenant.0, id, version + 1, &d.steps).await?;
            version + 1
        };
        let first = d.steps.iter().find_map(|s| s.template.clone()).unwrap_or_default();
        sqlx::query(
            "UPDATE campaigns SET name = $2, channel_id = CASE WHEN status = 'draft' THEN $3 ELSE channel_id END, timezone = $4, drip = $5,
                 drip_version = $6, template_name = $7, template_language = $8, updated_at = now() WHERE id = $1",
        )
        .bind(id.0)
        .bind(&d.name)
        .bind(d.channel_id.0)
        .bind(&d.timezone)
        .bind(serde_json::to_value(&d.settings).unwrap_or_default())
        .bind(version)
        .bind(&first.name)
        .bind(&first.language)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.get(id).await
    }

    /// One sequence with its current steps.
    pub async fn get(&self, id: CampaignId) -> Result<Option<DripView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1 AND kind = 'drip'"))
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut view = drip_from_row(&row)?;
        let steps =
            sqlx::query("SELECT id, position, version, spec FROM drip_steps WHERE campaign_id = $1 AND version = $2 ORDER BY position")
                .bind(id.0)
                .bind(view.version)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        view.steps = steps.iter().map(step_from_row).collect::<Result<_, _>>()?;
        Ok(Some(view))
    }

    /// Sequences, newest first.
    pub async fn list(&self, limit: i64) -> Result<Vec<DripView>, DbError> {
        let mut tx = self.db.tx().await?;
        let ids: Vec<uuid::Uuid> =
            sqlx::query_scalar("SELECT id FROM campaigns WHERE kind = 'drip' ORDER BY created_at DESC, id DESC LIMIT $1")
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(d) = self.get(CampaignId(id)).await? {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// The contacts named, as steps need them (unknown and erased ones left out).
    pub async fn contacts(&self, ids: &[uuid::Uuid]) -> Result<Vec<ContactFacts>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT id AS contact_id, phone, name, custom_fields, opted_in, tags FROM contacts WHERE id = ANY($1) AND erased_at IS NULL",
        )
        .bind(ids)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.iter().map(facts_from_row).collect::<Result<_, _>>()?)
    }

    /// The contacts with a tag (at most `limit`).
    pub async fn contacts_tagged(&self, tag: &str, limit: i64) -> Result<Vec<ContactFacts>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT id AS contact_id, phone, name, custom_fields, opted_in, tags FROM contacts
             WHERE $1 = ANY(tags) AND erased_at IS NULL ORDER BY created_at, id LIMIT $2",
        )
        .bind(tag)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.iter().map(facts_from_row).collect::<Result<_, _>>()?)
    }

    /// Enrols contacts at the first step, each due at their own time; one
    /// already in the sequence stays as they are, one the re-entry policy
    /// refuses is not enrolled. `reentry_days`: None never again, else
    /// after that many days since their last enrolment ended.
    pub async fn enroll(
        &self,
        id: CampaignId,
        first_step: uuid::Uuid,
        contacts: &[(ContactId, DateTime<Utc>)],
        enrolled_at: DateTime<Utc>,
        reentry_days: Option<u32>,
        source: &str,
    ) -> Result<Vec<Enrolled>, DbError> {
        let mut tx = self.db.tx().await?;
        let ids: Vec<uuid::Uuid> = contacts.iter().map(|(c, _)| c.0).collect();
        // Their enrolments so far: the active one, else when the last ended.
        let rows: Vec<(uuid::Uuid, uuid::Uuid, String, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT DISTINCT ON (contact_id) contact_id, id, state, ended_at FROM drip_enrollments
             WHERE campaign_id = $1 AND contact_id = ANY($2) ORDER BY contact_id, (state = 'active') DESC, created_at DESC",
        )
        .bind(id.0)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        let before: std::collections::HashMap<uuid::Uuid, (uuid::Uuid, String, Option<DateTime<Utc>>)> =
            rows.into_iter().map(|(c, e, s, ended)| (c, (e, s, ended))).collect();
        let mut out = Vec::with_capacity(contacts.len());
        let (mut new_ids, mut new_contacts, mut new_due) = (Vec::new(), Vec::new(), Vec::new());
        for (contact, due) in contacts {
            match before.get(&contact.0) {
                Some((e, state, _)) if state == "active" => {
                    out.push(Enrolled::Already(*e));
                    continue;
                }
                Some((_, _, ended)) => match reentry_days {
                    None => {
                        out.push(Enrolled::Refused(None));
                        continue;
                    }
                    Some(days) => {
                        let again = ended.unwrap_or(enrolled_at) + chrono::Duration::days(i64::from(days));
                        if again > enrolled_at {
                            out.push(Enrolled::Refused(Some(again)));
                            continue;
                        }
                    }
                },
                None => {}
            }
            let e = uuid::Uuid::new_v4();
            out.push(Enrolled::New(e));
            new_ids.push(e);
            new_contacts.push(contact.0);
            new_due.push(*due);
        }
        if !new_ids.is_empty() {
            let inserted: Vec<uuid::Uuid> = sqlx::query_scalar(
                "INSERT INTO drip_enrollments (id, tenant_id, campaign_id, contact_id, position, step_id, due_at, enrolled_at, source)
                 SELECT u.id, $1, $2, u.contact_id, 0, $3, u.due_at, $4, $5
                 FROM unnest($6::uuid[], $7::uuid[], $8::timestamptz[]) AS u(id, contact_id, due_at)
                 ON CONFLICT (campaign_id, contact_id) WHERE state = 'active' DO NOTHING
                 RETURNING id",
            )
            .bind(self.db.tenant.0)
            .bind(id.0)
            .bind(first_step)
            .bind(enrolled_at)
            .bind(source)
            .bind(&new_ids)
            .bind(&new_contacts)
            .bind(&new_due)
            .fetch_all(&mut *tx)
            .await?;
            // One enrolled by a concurrent request meanwhile: theirs stands.
            if inserted.len() != new_ids.len() {
                let raced: Vec<(uuid::Uuid, uuid::Uuid)> = sqlx::query_as(
                    "SELECT contact_id, id FROM drip_enrollments WHERE campaign_id = $1 AND contact_id = ANY($2) AND state = 'active'",
                )
                .bind(id.0)
                .bind(&new_contacts)
                .fetch_all(&mut *tx)
                .await?;
                let active: std::collections::HashMap<_, _> = raced.into_iter().collect();
                for (o, contact) in out
                    .iter_mut()
                    .filter(|o| matches!(o, Enrolled::New(e) if !inserted.contains(e)))
                    .zip(new_ids.iter().zip(&new_contacts).filter(|(e, _)| !inserted.contains(e)).map(|(_, c)| c))
                {
                    if let Some(e) = active.get(contact) {
                        *o = Enrolled::Already(*e);
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Those of `contacts` who were never enrolled in the sequence.
    pub async fn not_enrolled(&self, id: CampaignId, contacts: &[uuid::Uuid]) -> Result<Vec<uuid::Uuid>, DbError> {
        let mut tx = self.db.tx().await?;
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT c FROM unnest($2::uuid[]) AS c
             WHERE NOT EXISTS (SELECT 1 FROM drip_enrollments e WHERE e.campaign_id = $1 AND e.contact_id = c)",
        )
        .bind(id.0)
        .bind(contacts)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Ends a contact's active enrolment in a sequence; the enrolment, or
    /// None when they were not in it.
    pub async fn exit(&self, id: CampaignId, contact: ContactId, reason: &str, now: DateTime<Utc>) -> Result<Option<uuid::Uuid>, DbError> {
        let mut tx = self.db.tx().await?;
        let e: Option<uuid::Uuid> = sqlx::query_scalar(
            "UPDATE drip_enrollments SET state = 'exited', exit_reason = $3, ended_at = $4, claimed = false, updated_at = now()
             WHERE campaign_id = $1 AND contact_id = $2 AND state = 'active' RETURNING id",
        )
        .bind(id.0)
        .bind(contact.0)
        .bind(reason)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Ends a contact's enrolments whose sequences exit on a reply (those
    /// made before the message was stored); how many.
    pub async fn exit_on_reply(&self, contact: ContactId, message_created: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "UPDATE drip_enrollments e SET state = 'exited', exit_reason = 'replied', ended_at = $3, claimed = false, updated_at = now()
             FROM campaigns c
             WHERE c.id = e.campaign_id AND e.contact_id = $1 AND e.state = 'active' AND e.created_at < $2
               AND COALESCE((c.drip->>'exit_on_reply')::boolean, true)",
        )
        .bind(contact.0)
        .bind(message_created)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n.rows_affected())
    }

    /// The contact who wrote a message and when it was stored.
    pub async fn reply_facts(&self, message: MessageId) -> Result<Option<(ContactId, DateTime<Utc>)>, DbError> {
        let mut tx = self.db.tx().await?;
        let row: Option<(uuid::Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT c.contact_id, m.created_at FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.id = $1 AND m.direction = 'inbound'",
        )
        .bind(message.0)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.map(|(c, t)| (ContactId(c), t)))
    }

    /// Ends a contact's enrolments that one of their sequences' rules now
    /// ends: opted out of marketing, an exit tag, the exit field's value.
    pub async fn exit_by_contact_rules(&self, contact: ContactId, now: DateTime<Utc>) -> Result<u64, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "WITH why AS (
               SELECT e.id, CASE
                   WHEN NOT k.opted_in THEN 'opted_out'
                   WHEN k.tags && ARRAY(SELECT jsonb_array_elements_text(COALESCE(c.drip->'exit_on_tags', '[]'))) THEN 'tag_added'
                   WHEN c.drip->'exit_when' IS NOT NULL AND c.drip->'exit_when' <> 'null'
                        AND btrim(k.custom_fields->>(c.drip->'exit_when'->>'field')) = c.drip->'exit_when'->>'equals' THEN 'field_matched'
                   END AS reason
               FROM drip_enrollments e JOIN campaigns c ON c.id = e.campaign_id JOIN contacts k ON k.id = e.contact_id
               WHERE e.contact_id = $1 AND e.state = 'active')
             UPDATE drip_enrollments e SET state = 'exited', exit_reason = why.reason, ended_at = $2, claimed = false, updated_at = now()
             FROM why WHERE why.id = e.id AND why.reason IS NOT NULL",
        )
        .bind(contact.0)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n.rows_affected())
    }

    /// Ends the enrolment whose step sent this message, after Meta
    /// refused it for good.
    pub async fn exit_on_failure(&self, message: MessageId, now: DateTime<Utc>) -> Result<u64, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "UPDATE drip_enrollments e SET state = 'exited', exit_reason = 'send_failed', ended_at = $2, claimed = false, updated_at = now()
             FROM drip_sends s WHERE s.message_id = $1 AND s.enrollment_id = e.id AND e.state = 'active'",
        )
        .bind(message.0)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n.rows_affected())
    }

    /// The running or paused sequences that enrol contacts given `tag`.
    pub async fn enrolling_on_tag(&self, tag: &str) -> Result<Vec<CampaignId>, DbError> {
        let mut tx = self.db.tx().await?;
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM campaigns WHERE kind = 'drip' AND status IN ('running', 'paused') AND drip->>'enroll_on_tag' = $1",
        )
        .bind(tag)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ids.into_iter().map(CampaignId).collect())
    }

    /// Claims up to `n` contacts whose step is due at `now`, while the
    /// sequence runs: each gets a `sending` row for its step.
    pub async fn claim(&self, id: CampaignId, now: DateTime<Utc>, n: i64) -> Result<Vec<ClaimedStep>, DbError> {
        let mut tx = self.db.tx().await?;
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "WITH due AS MATERIALIZED (
                 SELECT e.id FROM drip_enrollments e
                 WHERE e.campaign_id = $1 AND e.state = 'active' AND NOT e.claimed AND e.due_at <= $2
                   AND EXISTS (SELECT 1 FROM campaigns WHERE id = $1 AND status = 'running')
                 ORDER BY e.due_at LIMIT $3 FOR UPDATE SKIP LOCKED),
             upd AS (
                 UPDATE drip_enrollments e SET claimed = true, updated_at = now() FROM due WHERE e.id = due.id
                 RETURNING e.id, e.position, e.step_id, e.due_at),
             ins AS (
                 INSERT INTO drip_sends (id, tenant_id, campaign_id, enrollment_id, position, step_id, status, due_at)
                 SELECT gen_random_uuid(), $4, $1, upd.id, upd.position, upd.step_id, 'sending', upd.due_at FROM upd
                 ON CONFLICT (enrollment_id, position) DO UPDATE SET status = 'sending', message_id = NULL, skip_reason = NULL)
             SELECT id FROM upd",
        )
        .bind(id.0)
        .bind(now)
        .bind(n)
        .bind(self.db.tenant.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        self.load_claimed(&ids).await
    }

    /// Steps a crash (or a failed pass) left half handed over.
    pub async fn unfinished(&self, id: CampaignId) -> Result<Vec<ClaimedStep>, DbError> {
        let mut tx = self.db.tx().await?;
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT s.enrollment_id FROM drip_sends s JOIN drip_enrollments e ON e.id = s.enrollment_id AND e.position = s.position
             WHERE s.campaign_id = $1 AND s.status = 'sending' AND e.state = 'active' LIMIT 5000",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        // Those whose contact left meanwhile: the row goes, nothing is sent.
        sqlx::query(
            "DELETE FROM drip_sends s USING drip_enrollments e
             WHERE s.campaign_id = $1 AND s.status = 'sending' AND e.id = s.enrollment_id AND e.state <> 'active'",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.load_claimed(&ids).await
    }

    async fn load_claimed(&self, ids: &[uuid::Uuid]) -> Result<Vec<ClaimedStep>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT e.id AS enrollment_id, e.position, e.enrolled_at, e.due_at, e.contact_id, k.phone, k.name, k.custom_fields, k.opted_in,
                    k.tags, k.erased_at IS NOT NULL AS erased,
                    st.id AS step_id, st.version AS step_version, st.spec AS step_spec,
                    EXISTS (SELECT 1 FROM conversations cv JOIN messages m ON m.conversation_id = cv.id AND m.tenant_id = cv.tenant_id
                            WHERE cv.contact_id = e.contact_id AND m.direction = 'inbound' AND m.created_at > e.created_at) AS replied,
                    (SELECT max(cv.last_inbound_at) FROM conversations cv WHERE cv.contact_id = e.contact_id AND cv.channel_id = c.channel_id)
                        AS last_inbound_at,
                    (SELECT (m.errors->0->>'code')::bigint FROM drip_sends s JOIN messages m ON m.id = s.message_id AND m.tenant_id = s.tenant_id
                      WHERE s.enrollment_id = e.id AND m.status = 'failed' ORDER BY s.position DESC LIMIT 1) AS failed_code
             FROM drip_enrollments e
             JOIN campaigns c ON c.id = e.campaign_id
             JOIN contacts k ON k.id = e.contact_id
             LEFT JOIN drip_steps st ON st.id = e.step_id
             WHERE e.id = ANY($1)
             ORDER BY e.due_at",
        )
        .bind(ids)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let step = match r.try_get::<Option<uuid::Uuid>, _>("step_id")? {
                    Some(step_id) => {
                        let spec: Value = r.try_get("step_spec")?;
                        serde_json::from_value(spec).ok().map(|spec| DripStep {
                            id: step_id,
                            position: r.try_get("position").unwrap_or_default(),
                            version: r.try_get("step_version").unwrap_or_default(),
                            spec,
                        })
                    }
                    None => None,
                };
                Ok(ClaimedStep {
                    enrollment: r.try_get("enrollment_id")?,
                    position: r.try_get("position")?,
                    step,
                    contact: facts_from_row(r)?,
                    enrolled_at: r.try_get("enrolled_at")?,
                    due_at: r.try_get("due_at")?,
                    replied: r.try_get("replied")?,
                    last_inbound_at: r.try_get("last_inbound_at")?,
                    failed_code: r.try_get("failed_code")?,
                    erased: r.try_get("erased")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    /// Records what became of claimed steps, in two statements: each
    /// step's row, and each enrolment moved on, completed or exited (only
    /// while still active: an exit that landed meanwhile stands).
    pub async fn record(&self, done: &[StepDone], now: DateTime<Utc>) -> Result<(), DbError> {
        if done.is_empty() {
            return Ok(());
        }
        let n = done.len();
        let mut ids = Vec::with_capacity(n);
        let mut send_status: Vec<Option<&str>> = Vec::with_capacity(n);
        let mut skip: Vec<Option<&str>> = Vec::with_capacity(n);
        let mut sent_as: Vec<Option<&str>> = Vec::with_capacity(n);
        let mut messages: Vec<Option<uuid::Uuid>> = Vec::with_capacity(n);
        let mut states: Vec<&str> = Vec::with_capacity(n);
        let mut reasons: Vec<Option<&str>> = Vec::with_capacity(n);
        let mut next_pos: Vec<Option<i32>> = Vec::with_capacity(n);
        let mut next_step: Vec<Option<uuid::Uuid>> = Vec::with_capacity(n);
        let mut next_due: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(n);
        for d in done {
            let (e, status, why, how, message, next, state, reason) = match d {
                StepDone::Sent { enrollment, message, sent_as, next } => {
                    (enrollment, Some("queued"), None, Some(*sent_as), Some(message.0), next.as_ref(), "moved", None)
                }
                StepDone::Skipped { enrollment, reason, next } => {
                    (enrollment, Some("skipped"), Some(*reason), None, None, next.as_ref(), "moved", None)
                }
                StepDone::Exited { enrollment, reason } => (enrollment, None, None, None, None, None, "exited", Some(*reason)),
                StepDone::Released { enrollment, .. } => (enrollment, None, None, None, None, None, "released", None),
            };
            ids.push(*e);
            send_status.push(status);
            skip.push(why);
            sent_as.push(how);
            messages.push(message);
            states.push(if state == "moved" && next.is_none() { "completed" } else { state });
            reasons.push(reason);
            next_pos.push(next.map(|x| x.position));
            next_step.push(next.map(|x| x.step_id));
            next_due.push(match d {
                StepDone::Released { retry_at, .. } => *retry_at,
                _ => next.map(|x| x.due_at),
            });
        }
        let mut tx = self.db.tx().await?;
        sqlx::query(
            "WITH u AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[])
                          AS u(enrollment_id, status, skip_reason, sent_as, message_id)),
             gone AS (DELETE FROM drip_sends s USING u, drip_enrollments e
                      WHERE u.status IS NULL AND s.enrollment_id = u.enrollment_id AND e.id = u.enrollment_id
                        AND s.position = e.position AND s.status = 'sending')
             UPDATE drip_sends s SET status = u.status, skip_reason = u.skip_reason, sent_as = u.sent_as, message_id = u.message_id,
                 handed_at = now()
             FROM u, drip_enrollments e
             WHERE u.status IS NOT NULL AND s.enrollment_id = u.enrollment_id AND e.id = u.enrollment_id AND s.position = e.position",
        )
        .bind(&ids)
        .bind(&send_status)
        .bind(&skip)
        .bind(&sent_as)
        .bind(&messages)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE drip_enrollments e SET
                 claimed = false, updated_at = now(),
                 state = CASE u.state WHEN 'completed' THEN 'completed' WHEN 'exited' THEN 'exited' ELSE e.state END,
                 exit_reason = COALESCE(u.reason, e.exit_reason),
                 ended_at = CASE WHEN u.state IN ('completed', 'exited') THEN $7 ELSE e.ended_at END,
                 position = COALESCE(u.next_position, e.position),
                 step_id = COALESCE(u.next_step, e.step_id),
                 due_at = CASE WHEN u.state = 'moved' THEN u.next_due WHEN u.state = 'released' THEN COALESCE(u.next_due, e.due_at)
                               ELSE e.due_at END
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::uuid[], $6::timestamptz[])
                  AS u(id, state, reason, next_position, next_step, next_due)
             WHERE e.id = u.id AND e.state = 'active'",
        )
        .bind(&ids)
        .bind(&states)
        .bind(&reasons)
        .bind(&next_pos)
        .bind(&next_step)
        .bind(&next_due)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // An enrolment that left while its step was being handed over
        // keeps no half-written row.
        sqlx::query("UPDATE drip_enrollments SET claimed = false WHERE id = ANY($1) AND state <> 'active' AND claimed")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The messages stored under these send keys: key → (message, type).
    pub async fn stored_for_keys(&self, keys: &[String]) -> Result<std::collections::HashMap<String, (MessageId, String)>, DbError> {
        if keys.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let mut tx = self.db.tx().await?;
        let rows: Vec<(String, uuid::Uuid, String)> =
            sqlx::query_as("SELECT client_id, id, type FROM messages WHERE client_id = ANY($1) AND direction = 'outbound'")
                .bind(keys)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|(k, id, kind)| (k, (MessageId(id), kind))).collect())
    }

    /// Of these enrolments, those still active in a running sequence.
    pub async fn still_running(&self, enrollments: &[uuid::Uuid]) -> Result<std::collections::HashSet<uuid::Uuid>, DbError> {
        if enrollments.is_empty() {
            return Ok(std::collections::HashSet::new());
        }
        let mut tx = self.db.tx().await?;
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT e.id FROM drip_enrollments e JOIN campaigns c ON c.id = e.campaign_id
             WHERE e.id = ANY($1) AND e.state = 'active' AND c.status = 'running'",
        )
        .bind(enrollments)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ids.into_iter().collect())
    }

    /// The first failure since the sequence last started or resumed that
    /// must stop it (an account block, a spam limit, a template Meta will
    /// not send): its code and title.
    pub async fn stopping_failure(&self, id: CampaignId, codes: &[i64]) -> Result<Option<(i64, String)>, DbError> {
        self.db.campaigns().first_failure("drip_sends", id, codes).await
    }

    /// Starts a draft (or resumes a paused sequence); None when it was in
    /// neither state.
    pub async fn run(&self, id: CampaignId, from: &[&str]) -> Result<Option<DripView>, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "UPDATE campaigns SET status = 'running', started_at = COALESCE(started_at, now()), running_since = now(), paused_reason = NULL,
                 updated_at = now() WHERE id = $1 AND kind = 'drip' AND status = ANY($2)",
        )
        .bind(id.0)
        .bind(from)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if n.rows_affected() == 0 {
            return Ok(None);
        }
        self.get(id).await
    }

    /// The counts.
    pub async fn stats(&self, d: &DripView) -> Result<DripStats, DbError> {
        self.stats_with(d, None).await
    }

    /// The counts without recomputing replies and cost (a lookup per send
    /// each): those are taken from `earlier`, a full [`stats`] of a moment
    /// ago. Live progress uses this between full counts.
    ///
    /// [`stats`]: Self::stats
    pub async fn counts(&self, d: &DripView, earlier: &DripStats) -> Result<DripStats, DbError> {
        self.stats_with(d, Some(earlier)).await
    }

    async fn stats_with(&self, d: &DripView, earlier: Option<&DripStats>) -> Result<DripStats, DbError> {
        let (replied, cost) = match earlier {
            Some(_) => ("0::bigint", "0::bigint"),
            None => (
                "count(*) FILTER (WHERE m.id IS NOT NULL AND EXISTS (SELECT 1 FROM messages i
                    WHERE i.tenant_id = m.tenant_id AND i.conversation_id = m.conversation_id AND i.direction = 'inbound'
                      AND i.seq > m.seq AND i.timestamp <= m.created_at + interval '72 hours'))",
                "COALESCE(sum((SELECT uc.amount_e4 FROM usage_costs uc WHERE uc.message_id = m.id)), 0)::bigint",
            ),
        };
        let mut tx = self.db.tx().await?;
        let states: Vec<(String, Option<String>, i32, i64)> =
            sqlx::query_as("SELECT state, exit_reason, position, count(*) FROM drip_enrollments WHERE campaign_id = $1 GROUP BY 1, 2, 3")
                .bind(d.id.0)
                .fetch_all(&mut *tx)
                .await?;
        let sends = sqlx::query(&format!(
            "SELECT s.position,
                    CASE WHEN s.status <> 'queued' THEN s.status WHEN m.id IS NULL THEN 'failed' WHEN m.status = 'pending' THEN 'sending'
                         WHEN m.status = 'played' THEN 'read' ELSE m.status END AS status,
                    count(*) AS n, {replied} AS replied, {cost} AS cost_e4
             FROM drip_sends s LEFT JOIN messages m ON m.id = s.message_id AND m.tenant_id = s.tenant_id
             WHERE s.campaign_id = $1 GROUP BY 1, 2"
        ))
        .bind(d.id.0)
        .fetch_all(&mut *tx)
        .await?;
        let currency: Option<String> =
            sqlx::query_scalar("SELECT currency FROM rate_cards ORDER BY tenant_id IS NULL LIMIT 1").fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        let mut s = DripStats::default();
        let mut steps: BTreeMap<i32, StepStats> = d
            .steps
            .iter()
            .map(|st| (st.position, StepStats { position: st.position, name: st.spec.name.clone(), ..StepStats::default() }))
            .collect();
        fn step(steps: &mut BTreeMap<i32, StepStats>, p: i32) -> &mut StepStats {
            steps.entry(p).or_insert_with(|| StepStats { position: p, name: format!("Step {}", p + 1), ..StepStats::default() })
        }
        for (state, reason, position, n) in states {
            s.enrolled += n;
            match state.as_str() {
                "active" => {
                    s.active += n;
                    step(&mut steps, position).waiting += n;
                }
                "completed" => s.completed += n,
                _ => {
                    s.exited += n;
                    let reason = reason.unwrap_or_else(|| "unknown".into());
                    let st = step(&mut steps, position);
                    st.exited += n;
                    *st.exited_by_reason.entry(reason.clone()).or_default() += n;
                    *s.exited_by_reason.entry(reason).or_default() += n;
                }
            }
        }
        let mut cost = 0i64;
        for r in &sends {
            let position: i32 = r.try_get("position")?;
            let status: String = r.try_get("status")?;
            let n: i64 = r.try_get("n")?;
            let st = step(&mut steps, position);
            st.replied += r.try_get::<i64, _>("replied")?;
            let c: i64 = r.try_get("cost_e4")?;
            st.cost_e4 += c;
            cost += c;
            match status.as_str() {
                "skipped" => st.skipped += n,
                "sending" | "accepted" => st.sending += n,
                "sent" => st.sent += n,
                "delivered" => {
                    st.sent += n;
                    st.delivered += n;
                }
                "read" => {
                    st.sent += n;
                    st.delivered += n;
                    st.read += n;
                }
                _ => st.failed += n,
            }
        }
        s.steps = steps.into_values().collect();
        if let Some(e) = earlier {
            // Replies and cost as the last full count had them.
            cost = e.cost.amount_e4;
            for st in &mut s.steps {
                if let Some(before) = e.steps.iter().find(|b| b.position == st.position) {
                    st.replied = before.replied;
                    st.cost_e4 = before.cost_e4;
                }
            }
        }
        s.cost = Cost::from_e4(currency.unwrap_or_else(|| "INR".into()), cost);
        Ok(s)
    }

    /// One page of enrolments (optionally in one state), oldest first,
    /// after the cursor.
    pub async fn enrollments(
        &self,
        id: CampaignId,
        state: Option<&str>,
        after: Option<super::Cursor>,
        limit: i64,
    ) -> Result<super::Page<Enrollment>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(&format!(
            "SELECT {ENROLLMENT_COLUMNS} FROM drip_enrollments e JOIN contacts k ON k.id = e.contact_id
             LEFT JOIN drip_steps st ON st.id = e.step_id
             WHERE e.campaign_id = $1 AND ($2::text IS NULL OR e.state = $2)
               AND ($3::timestamptz IS NULL OR (e.created_at, e.id) > ($3, $4))
             ORDER BY e.created_at, e.id LIMIT $5"
        ))
        .bind(id.0)
        .bind(state)
        .bind(after.map(|c| c.t))
        .bind(after.map(|c| c.id))
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        super::paginate(rows, limit, enrollment_from_row, |r| Ok(super::Cursor { t: r.try_get("created_at")?, id: r.try_get("id")? }))
    }

    /// One enrolment by id, or a contact's latest in the sequence.
    pub async fn enrollment(
        &self,
        id: CampaignId,
        enrollment: Option<uuid::Uuid>,
        contact: Option<ContactId>,
    ) -> Result<Option<Enrollment>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!(
            "SELECT {ENROLLMENT_COLUMNS} FROM drip_enrollments e JOIN contacts k ON k.id = e.contact_id
             LEFT JOIN drip_steps st ON st.id = e.step_id
             WHERE e.campaign_id = $1 AND ($2::uuid IS NULL OR e.id = $2) AND ($3::uuid IS NULL OR e.contact_id = $3)
             ORDER BY (e.state = 'active') DESC, e.created_at DESC LIMIT 1"
        ))
        .bind(id.0)
        .bind(enrollment)
        .bind(contact.map(|c| c.0))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.as_ref().map(enrollment_from_row).transpose()?)
    }

    /// An enrolment's steps so far.
    pub async fn path(&self, enrollment: uuid::Uuid) -> Result<Vec<PathStep>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT s.position, st.spec->>'name' AS step_name, s.skip_reason, s.sent_as, s.message_id, s.handed_at, s.due_at,
                    CASE WHEN s.status <> 'queued' THEN s.status WHEN m.id IS NULL THEN 'failed' WHEN m.status = 'pending' THEN 'sending'
                         WHEN m.status = 'played' THEN 'read' ELSE m.status END AS status,
                    (m.errors->0->>'code')::bigint AS error_code, m.errors->0->>'title' AS error_title
             FROM drip_sends s LEFT JOIN drip_steps st ON st.id = s.step_id
             LEFT JOIN messages m ON m.id = s.message_id AND m.tenant_id = s.tenant_id
             WHERE s.enrollment_id = $1 ORDER BY s.position",
        )
        .bind(enrollment)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let code: Option<i64> = r.try_get("error_code")?;
                Ok(PathStep {
                    position: r.try_get("position")?,
                    step_name: r.try_get("step_name")?,
                    status: r.try_get("status")?,
                    skip_reason: r.try_get("skip_reason")?,
                    sent_as: r.try_get("sent_as")?,
                    message_id: r.try_get::<Option<uuid::Uuid>, _>("message_id")?.map(MessageId),
                    at: r.try_get("handed_at")?,
                    due_at: r.try_get("due_at")?,
                    error: code.map(|code| super::campaigns::RecipientError {
                        code,
                        title: r.try_get::<Option<String>, _>("error_title").ok().flatten().unwrap_or_default(),
                    }),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }
}

async fn insert_steps(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    tenant: uuid::Uuid,
    id: CampaignId,
    version: i32,
    steps: &[StepSpec],
) -> Result<(), sqlx::Error> {
    let ids: Vec<uuid::Uuid> = steps.iter().map(|_| uuid::Uuid::new_v4()).collect();
    let positions: Vec<i32> = (0..steps.len()).map(|i| i32::try_from(i).unwrap_or(i32::MAX)).collect();
    let specs: Vec<Value> = steps.iter().map(|s| serde_json::to_value(s).unwrap_or_default()).collect();
    sqlx::query(
        "INSERT INTO drip_steps (id, tenant_id, campaign_id, version, position, spec)
         SELECT u.id, $1, $2, $3, u.position, u.spec FROM unnest($4::uuid[], $5::int[], $6::jsonb[]) AS u(id, position, spec)",
    )
    .bind(tenant)
    .bind(id.0)
    .bind(version)
    .bind(&ids)
    .bind(&positions)
    .bind(&specs)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
