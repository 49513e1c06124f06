//! The ports a flow run needs from the outside world: its store (flows,
//! runs, contact facts) and HTTP for `api` and `webhook` nodes. The server
//! implements them; tests and the sandbox hand in their own.

use super::record::RunRecord;
use super::triggers::ActiveFlow;
use super::Flow;
use crate::ids::{ContactId, ConversationId, TenantId, UserId};
use crate::ports::StoreError;
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::sync::Arc;

/// What flows need from the store.
#[async_trait]
pub trait FlowStore: Send + Sync + 'static {
    /// The tenant's active flows, highest priority first.
    async fn active_flows(&self, tenant: TenantId) -> Result<Arc<Vec<ActiveFlow>>, StoreError>;
    /// A flow at a version (runs keep the version they started with).
    async fn flow_at(&self, tenant: TenantId, flow_id: uuid::Uuid, version: i32) -> Result<Option<Arc<Flow>>, StoreError>;
    /// Records a new run; false when the conversation already has an active one.
    async fn create_run(&self, tenant: TenantId, conversation: ConversationId, run: &RunRecord) -> Result<bool, StoreError>;
    /// Saves a run's state.
    async fn save_run(&self, tenant: TenantId, run: &RunRecord, fence: Option<crate::fence::Fence>) -> Result<(), StoreError>;
    /// The conversation's active run.
    async fn active_run(&self, tenant: TenantId, conversation: ConversationId) -> Result<Option<RunRecord>, StoreError>;
    /// What flows may know of a contact: name, phone, tags, fields.
    async fn contact_facts(&self, tenant: TenantId, contact: ContactId) -> Result<Map<String, Value>, StoreError>;
    /// Adds and removes contact tags.
    async fn tag_contact(&self, tenant: TenantId, contact: ContactId, add: &[String], remove: &[String]) -> Result<(), StoreError>;
    /// Sets a contact field (`name` or a custom field).
    async fn set_contact_field(&self, tenant: TenantId, contact: ContactId, field: &str, value: &Value) -> Result<(), StoreError>;
    /// Enrols the contact in a drip sequence of the tenant that runs (or is
    /// paused); whether a new enrolment was made (false: no such sequence,
    /// already in it, or refused by its re-entry policy).
    async fn enroll(&self, tenant: TenantId, campaign: uuid::Uuid, contact: ContactId) -> Result<bool, StoreError>;
    /// Who sent the message with this wamid (`{kind, id}`), for reply triggers.
    async fn sent_by_of(&self, tenant: TenantId, wamid: &str) -> Result<Option<Value>, StoreError>;
    /// Whether a template (`{"name", "language": {"code"}}`) may go to a
    /// contact: false for a marketing template to a contact who opted out.
    async fn template_allowed(&self, tenant: TenantId, contact: ContactId, template: &Value) -> Result<bool, StoreError>;
    /// Picks an online agent by round robin or least busy. A named team
    /// narrows it to the team's members (within their cap) and puts the
    /// conversation in the team, where it waits when nobody can take it.
    async fn pick_agent(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        team: Option<&str>,
        strategy: &str,
    ) -> Result<Option<UserId>, StoreError>;
    /// Whether `user` is a person of the tenant (a flow names agents by id).
    async fn is_member(&self, tenant: TenantId, user: UserId) -> Result<bool, StoreError>;
    /// Records that the bot handed the conversation to people (with its
    /// note, in the conversation's activity) and answers whom to give it
    /// to: an online agent when the account assigns on hand-off and nobody
    /// holds it (of its team by the team's rule, else the least busy).
    async fn handed_off(&self, tenant: TenantId, conversation: ConversationId, note: &str) -> Result<Option<UserId>, StoreError>;
}

/// HTTP for api and webhook nodes.
#[async_trait]
pub trait FlowHttp: Send + Sync + 'static {
    /// Calls an API; its JSON answer (non-2xx and timeouts are errors).
    async fn call(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
        timeout_ms: u64,
    ) -> Result<Value, String>;
}
