//! Flows on Postgres: the active flows of a tenant (cached until a flow
//! changes), versions (in a bounded cache), runs, and the contact facts and
//! changes flows use. (Flows' api and webhook nodes call out through
//! [`crate::egress`].)

use crate::cache::BoundedCache;
use crate::db::tenant_tx;
use crate::store::contact_changes::{ContactChange, ContactChanges};
use crate::store::contact_facts::ContactFactsReads;
use crate::store::flow_runs::{RunCreation, RunSaves};
use crate::store::group::{GroupCommit, GroupLimits};
use crate::store::store_err;
use async_trait::async_trait;
use dashmap::DashMap;
use serde_json::{json, Map, Value};
use sqlx::{PgPool, Row};
use std::sync::Arc;
use whatsflow_actors::flow::run::{ActiveFlow, ActiveFlowRow, FlowStore, RunRecord, RunStatus};
use whatsflow_actors::flow::{validate, Flow, FlowData};
use whatsflow_actors::ids::{ContactId, ConversationId, TenantId, UserId};
use whatsflow_actors::ports::StoreError;

/// How run writes are grouped: a few concurrent transactions of up to 512.
const RUN_LIMITS: GroupLimits = GroupLimits { tasks: 3, max_per_commit: 512, queue: 8192 };

/// See the module doc.
#[derive(Clone)]
pub struct PgFlowStore {
    pool: PgPool,
    creations: GroupCommit<RunCreation>,
    saves: GroupCommit<RunSaves>,
    contact_changes: GroupCommit<ContactChanges>,
    facts: GroupCommit<ContactFactsReads>,
    active: Arc<DashMap<TenantId, Arc<Vec<ActiveFlow>>>>,
    versions: Arc<BoundedCache<(uuid::Uuid, i32), Arc<Flow>>>,
    hub: Arc<crate::hub::TenantHub>,
    /// Woken when an `enroll` node enrols someone.
    timers: Arc<crate::drips::timer::DueTimers>,
    /// The application's clock (enrolment times).
    clock: Arc<dyn whatsflow_actors::ports::Clock>,
}

impl PgFlowStore {
    /// A store over `pool`; `hub` tells who is online (for assignment),
    /// `timers` hears of enrolments, `clock` dates them. Starts the grouped
    /// run writes on the current runtime.
    pub fn new(
        pool: PgPool,
        hub: Arc<crate::hub::TenantHub>,
        timers: Arc<crate::drips::timer::DueTimers>,
        clock: Arc<dyn whatsflow_actors::ports::Clock>,
    ) -> Self {
        let creations = GroupCommit::start(pool.clone(), RunCreation, RUN_LIMITS);
        let saves = GroupCommit::start(pool.clone(), RunSaves, RUN_LIMITS);
        let contact_changes = GroupCommit::start(pool.clone(), ContactChanges, RUN_LIMITS);
        let facts = GroupCommit::start(pool.clone(), ContactFactsReads, RUN_LIMITS);
        Self {
            pool,
            creations,
            saves,
            contact_changes,
            facts,
            active: Arc::new(DashMap::new()),
            versions: Arc::new(BoundedCache::new(FLOW_VERSION_CACHE, FLOW_VERSION_TTL)),
            hub,
            timers,
            clock,
        }
    }

    /// Parsed flow versions cached now (for `/metrics`).
    pub fn cached_versions(&self) -> usize {
        self.versions.len()
    }

    /// Forgets a tenant's cached active flows (after a flow changes).
    pub fn invalidate(&self, tenant: TenantId) {
        self.active.remove(&tenant);
    }
}

/// Most flow versions kept parsed in memory (runs of old versions reload
/// theirs from the store when evicted).
const FLOW_VERSION_CACHE: usize = 10_000;
/// How long a parsed flow version is kept.
const FLOW_VERSION_TTL: std::time::Duration = std::time::Duration::from_secs(3600);

/// A stored flow, validated again: one that no longer passes (a rule
/// tightened since it was saved) is not run, and says so.
fn parse_flow(v: Value) -> Option<Flow> {
    let data = match serde_json::from_value::<FlowData>(v) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "a stored flow is not flow JSON; it is not run");
            return None;
        }
    };
    match validate(&data) {
        Ok(flow) => Some(flow),
        Err(problems) => {
            tracing::warn!(problems = ?problems, "a stored flow no longer passes validation; it is not run until fixed and saved again");
            None
        }
    }
}

#[async_trait]
impl FlowStore for PgFlowStore {
    async fn active_flows(&self, tenant: TenantId) -> Result<Arc<Vec<ActiveFlow>>, StoreError> {
        if let Some(f) = self.active.get(&tenant) {
            return Ok(f.clone());
        }
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        let rows = sqlx::query(
            // An account whose payment is overdue (restricted) or that is
            // suspended starts no automation: none of its flows is active.
            "SELECT id, version, name, trigger_type, trigger_value, trigger_match, priority, pause_on_agent_reply, flow_data
             FROM flows WHERE status = 'active'
               AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = flows.tenant_id AND t.status IN ('active', 'grace'))
             ORDER BY priority DESC, created_at",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        let mut flows = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(flow) = parse_flow(r.try_get("flow_data").map_err(store_err)?) else { continue };
            let row = ActiveFlowRow {
                id: r.try_get("id").map_err(store_err)?,
                version: r.try_get("version").map_err(store_err)?,
                name: r.try_get("name").map_err(store_err)?,
                trigger_type: r.try_get("trigger_type").map_err(store_err)?,
                trigger_value: r.try_get("trigger_value").map_err(store_err)?,
                trigger_match: r.try_get("trigger_match").map_err(store_err)?,
                priority: r.try_get("priority").map_err(store_err)?,
                pause_on_agent_reply: r.try_get("pause_on_agent_reply").map_err(store_err)?,
                flow: Arc::new(flow),
            };
            let flow_id = row.id;
            // The trigger's regex is compiled once here, not per message; one
            // that no longer compiles leaves the flow untriggerable.
            match ActiveFlow::new(row) {
                Ok(active) => flows.push(active),
                Err(e) => {
                    tracing::warn!(tenant_id = %tenant, flow_id = %flow_id, error = %e, "active flow skipped: its trigger does not compile")
                }
            }
        }
        let flows = Arc::new(flows);
        self.active.insert(tenant, flows.clone());
        Ok(flows)
    }

    async fn flow_at(&self, tenant: TenantId, flow_id: uuid::Uuid, version: i32) -> Result<Option<Arc<Flow>>, StoreError> {
        if let Some(f) = self.versions.get(&(flow_id, version)) {
            return Ok(Some(f));
        }
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        let data: Option<Value> = sqlx::query_scalar("SELECT flow_data FROM flow_versions WHERE flow_id = $1 AND version = $2")
            .bind(flow_id)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        let flow = data.and_then(parse_flow).map(Arc::new);
        if let Some(f) = &flow {
            self.versions.insert((flow_id, version), f.clone());
        }
        Ok(flow)
    }

    async fn create_run(&self, tenant: TenantId, conversation: ConversationId, run: &RunRecord) -> Result<bool, StoreError> {
        self.creations.submit((tenant, conversation, run.clone())).await
    }

    async fn save_run(&self, tenant: TenantId, run: &RunRecord, fence: Option<whatsflow_actors::fence::Fence>) -> Result<(), StoreError> {
        self.saves.submit((tenant, run.clone(), fence)).await
    }

    async fn active_run(&self, tenant: TenantId, conversation: ConversationId) -> Result<Option<RunRecord>, StoreError> {
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        let row = sqlx::query(
            "SELECT id, flow_id, version, status, cursor, vars, waiting, path, step, error FROM flow_runs
             WHERE conversation_id = $1 AND ended_at IS NULL",
        )
        .bind(conversation.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        let Some(r) = row else { return Ok(None) };
        let status: String = r.try_get("status").map_err(store_err)?;
        Ok(Some(RunRecord {
            id: r.try_get("id").map_err(store_err)?,
            flow_id: r.try_get("flow_id").map_err(store_err)?,
            version: r.try_get("version").map_err(store_err)?,
            // An unreadable status is a bug to report, never a run to resume.
            status: RunStatus::parse(&status).ok_or_else(|| StoreError::Bug(format!("flow run with unreadable status `{status}`")))?,
            cursor: r.try_get("cursor").map_err(store_err)?,
            vars: r.try_get::<Value, _>("vars").map_err(store_err)?.as_object().cloned().unwrap_or_default(),
            waiting: r.try_get::<Option<Value>, _>("waiting").map_err(store_err)?.and_then(|w| serde_json::from_value(w).ok()),
            path: serde_json::from_value(r.try_get::<Value, _>("path").map_err(store_err)?).unwrap_or_default(),
            step: r.try_get("step").map_err(store_err)?,
            error: r.try_get("error").map_err(store_err)?,
        }))
    }

    async fn contact_facts(&self, tenant: TenantId, contact: ContactId) -> Result<Map<String, Value>, StoreError> {
        self.facts.submit((tenant, contact)).await
    }

    async fn tag_contact(&self, tenant: TenantId, contact: ContactId, add: &[String], remove: &[String]) -> Result<(), StoreError> {
        let add: Vec<String> = add.iter().map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()).collect();
        let remove: Vec<String> = remove.iter().map(|t| t.trim().to_lowercase()).collect();
        self.contact_changes.submit((tenant, contact, ContactChange::Tags { add, remove })).await
    }

    async fn enroll(&self, tenant: TenantId, campaign: uuid::Uuid, contact: ContactId) -> Result<bool, StoreError> {
        let db_err = |e: crate::store::repo::DbError| match e {
            crate::store::repo::DbError::Unavailable(e) => StoreError::Unavailable(e.to_string()),
            other => StoreError::Bug(other.to_string()),
        };
        let db = crate::store::repo::Db::new(self.pool.clone());
        let db = db.tenant(tenant);
        let Some(drip) = db.drips().get(whatsflow_actors::ids::CampaignId(campaign)).await.map_err(db_err)? else { return Ok(false) };
        if !matches!(
            drip.status,
            crate::store::repo::campaigns::CampaignStatus::Running | crate::store::repo::campaigns::CampaignStatus::Paused
        ) {
            return Ok(false);
        }
        let contacts = db.drips().contacts(&[contact.0]).await.map_err(db_err)?;
        let out = crate::drips::enroll::enroll(db, &self.timers, self.clock.now(), &drip, &contacts, "flow").await.map_err(db_err)?;
        Ok(out.iter().any(|o| matches!(o, crate::store::repo::drips::Enrolled::New(_))))
    }

    async fn set_contact_field(&self, tenant: TenantId, contact: ContactId, field: &str, value: &Value) -> Result<(), StoreError> {
        let change = match field {
            "name" => ContactChange::Name(value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string())),
            _ => ContactChange::Field { field: field.to_owned(), value: value.clone() },
        };
        self.contact_changes.submit((tenant, contact, change)).await
    }

    async fn sent_by_of(&self, tenant: TenantId, wamid: &str) -> Result<Option<Value>, StoreError> {
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        let by: Option<Option<Value>> = sqlx::query_scalar("SELECT sent_by FROM messages WHERE wamid = $1")
            .bind(wamid)
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        Ok(by.flatten())
    }

    async fn template_allowed(&self, tenant: TenantId, contact: ContactId, template: &Value) -> Result<bool, StoreError> {
        let consent = crate::store::consent::template_send(&self.pool, tenant, contact, template).await.map_err(store_err)?;
        Ok(consent == crate::store::consent::TemplateConsent::Allowed)
    }

    async fn pick_agent(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        team: Option<&str>,
        strategy: &str,
    ) -> Result<Option<UserId>, StoreError> {
        if let Some(name) = team {
            let db = crate::store::repo::Db::new(self.pool.clone());
            let teams = db.tenant(tenant).teams();
            let db_err = |e: crate::store::repo::DbError| match e {
                crate::store::repo::DbError::Unavailable(e) => StoreError::Unavailable(e.to_string()),
                other => StoreError::Bug(other.to_string()),
            };
            let Some(rule) = teams.rule_named(name).await.map_err(db_err)? else {
                tracing::warn!(tenant = %tenant.0, team = name, "a flow assigns to a team that does not exist; the conversation stays unassigned");
                return Ok(None);
            };
            // The conversation belongs to the team from now on: when nobody
            // can take it now, the team's routing gives it out later.
            teams.set_conversation_team(conversation, Some(rule.id), None).await.map_err(db_err)?;
            self.hub.conversation_changed(tenant, conversation, None, json!({"team_id": rule.id}));
            let candidates = teams.candidates(rule.id).await.map_err(db_err)?;
            let picked = crate::routing::pick(&candidates, |u| self.hub.is_online(tenant, u), strategy, rule.max_open_per_agent);
            if let Some(user) = picked {
                teams.mark_assigned(rule.id, user).await.map_err(db_err)?;
            }
            return Ok(picked);
        }
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        let rows = sqlx::query(
            "SELECT u.id, (SELECT count(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status IN ('open', 'pending')) AS load,
                    (SELECT max(c.updated_at) FROM conversations c WHERE c.assignee_id = u.id) AS last_assigned
             FROM users u WHERE u.role IN ('agent', 'tenant_admin') ORDER BY u.created_at",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        let mut candidates: Vec<(uuid::Uuid, i64, Option<chrono::DateTime<chrono::Utc>>)> = Vec::new();
        for r in &rows {
            let id: uuid::Uuid = r.try_get("id").map_err(store_err)?;
            if self.hub.is_online(tenant, UserId(id)) {
                candidates.push((id, r.try_get("load").map_err(store_err)?, r.try_get("last_assigned").map_err(store_err)?));
            }
        }
        let pick = match strategy {
            "least_busy" => candidates.iter().min_by_key(|(_, load, _)| *load),
            // Round robin: the online agent assigned longest ago.
            _ => candidates.iter().min_by_key(|(_, _, last)| *last),
        };
        Ok(pick.map(|(id, _, _)| UserId(*id)))
    }

    async fn is_member(&self, tenant: TenantId, user: UserId) -> Result<bool, StoreError> {
        let db = crate::store::repo::Db::new(self.pool.clone());
        match db.tenant(tenant).users().get(user).await {
            Ok(found) => Ok(found.is_some()),
            Err(crate::store::repo::DbError::Unavailable(e)) => Err(StoreError::Unavailable(e.to_string())),
            Err(other) => Err(StoreError::Bug(other.to_string())),
        }
    }

    async fn handed_off(&self, tenant: TenantId, conversation: ConversationId, note: &str) -> Result<Option<UserId>, StoreError> {
        let db_err = |e: crate::store::repo::DbError| match e {
            crate::store::repo::DbError::Unavailable(e) => StoreError::Unavailable(e.to_string()),
            other => StoreError::Bug(other.to_string()),
        };
        let db = crate::store::repo::Db::new(self.pool.clone());
        let tenant_db = db.tenant(tenant);
        tenant_db.activity().record(conversation, "handoff", Some(note), None).await.map_err(db_err)?;
        if !tenant_db.service().assignment_settings().await.map_err(db_err)?.assign_on_handoff {
            return Ok(None);
        }
        let Some(holder) = tenant_db.conversations().holder(conversation).await.map_err(db_err)? else { return Ok(None) };
        if holder.assignee_id.is_some() {
            return Ok(None);
        }
        let Some(team) = holder.team_id else { return self.pick_agent(tenant, conversation, None, "least_busy").await };
        // A team's conversation goes by the team's rule (none: it waits for
        // the team's members to take it).
        let teams = db.tenant(tenant).teams();
        let Some(rule) = teams.rule(team).await.map_err(db_err)?.filter(|r| r.assignment != "manual") else { return Ok(None) };
        let candidates = teams.candidates(rule.id).await.map_err(db_err)?;
        let picked = crate::routing::pick(&candidates, |u| self.hub.is_online(tenant, u), &rule.assignment, rule.max_open_per_agent);
        if let Some(user) = picked {
            teams.mark_assigned(rule.id, user).await.map_err(db_err)?;
        }
        Ok(picked)
    }
}
