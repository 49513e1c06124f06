//! Team routing: conversations in a team that assigns are given to its
//! online members — round robin (the one the team served longest ago) or
//! least busy (fewest open conversations) — never past the team's per-agent
//! cap, only within the team's business hours; a conversation nobody can
//! take waits in the team and is given out when someone comes online (the sweep, every [`RoutingPolicy::every`]);
//! a conversation held by someone offline for longer than
//! [`RoutingPolicy::reassign_after`] goes back to the team. Assignments go
//! through the conversation's actor like an agent's.

use crate::hub::TenantHub;
use crate::store::repo::teams::{Candidate, TeamRule};
use crate::store::repo::{Db, DbError};
use crate::store::visibility::Visibility;
use std::sync::Arc;
use std::time::Duration;
use whatsflow_actors::conversation::ConversationWork;
use whatsflow_actors::ids::{ConversationId, TenantId, UserId};
use whatsflow_actors::ports::ConversationPatch;
use whatsflow_actors::router::WebhookRouter;
use whatsflow_actors::tenant::ConversationCommand;

/// How often and how patiently teams route.
#[derive(Debug, Clone, Copy)]
pub struct RoutingPolicy {
    /// How often waiting conversations are looked at.
    pub every: Duration,
    /// How long someone may be offline before their open conversations of
    /// an assigning team go to someone online.
    pub reassign_after: Duration,
}

impl Default for RoutingPolicy {
    fn default() -> Self {
        Self { every: Duration::from_secs(2), reassign_after: Duration::from_secs(15 * 60) }
    }
}

/// Most conversations one team hands out per sweep.
const PER_SWEEP: i64 = 200;

/// The member to give the next conversation: online (present and
/// connected), under the cap; by the team's rule. None when nobody can.
pub fn pick(candidates: &[Candidate], connected: impl Fn(UserId) -> bool, assignment: &str, cap: Option<i32>) -> Option<UserId> {
    let eligible =
        candidates.iter().filter(|c| c.presence == "online" && connected(c.user) && cap.is_none_or(|cap| c.load < i64::from(cap)));
    match assignment {
        "least_busy" => eligible.min_by_key(|c| (c.load, c.last_assigned_at)).map(|c| c.user),
        "round_robin" => eligible.min_by_key(|c| c.last_assigned_at).map(|c| c.user),
        _ => None,
    }
}

/// See the module doc.
pub struct TeamRouter {
    db: Db,
    hub: Arc<TenantHub>,
    router: Arc<WebhookRouter>,
    policy: RoutingPolicy,
    /// Sweeps finished so far (exported as a metric).
    pub passes: std::sync::atomic::AtomicU64,
    /// Whether this node routes a team (several nodes: one routes each).
    runs_here: std::sync::OnceLock<Arc<dyn Fn(uuid::Uuid) -> bool + Send + Sync>>,
}

impl TeamRouter {
    /// A router; [`spawn`](Self::spawn) starts its sweep.
    pub fn new(db: Db, hub: Arc<TenantHub>, router: Arc<WebhookRouter>, policy: RoutingPolicy) -> Arc<Self> {
        Arc::new(Self { db, hub, router, policy, passes: std::sync::atomic::AtomicU64::new(0), runs_here: std::sync::OnceLock::new() })
    }

    /// With several nodes: routes only the teams `runs_here` says (one node
    /// per team, so two nodes never give a conversation to two agents).
    pub fn only_where(&self, runs_here: Arc<dyn Fn(uuid::Uuid) -> bool + Send + Sync>) {
        let _ = self.runs_here.set(runs_here);
    }

    /// Sweeps until the database pool closes.
    pub fn spawn(self: &Arc<Self>, pool: sqlx::PgPool) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(me.policy.every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if pool.is_closed() {
                    return;
                }
                if let Err(e) = me.sweep().await {
                    tracing::warn!(error = %e, "team routing sweep");
                }
                me.passes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
    }

    /// Routes every team with work.
    pub async fn sweep(&self) -> Result<(), DbError> {
        for (tenant, team) in self.db.teams_to_route(self.policy.reassign_after).await? {
            if self.runs_here.get().is_some_and(|runs| !runs(team)) {
                continue;
            }
            if let Err(e) = self.route_team(tenant, team).await {
                tracing::warn!(error = %e, tenant = %tenant.0, team = %team, "routing a team");
            }
        }
        Ok(())
    }

    /// Hands a team's waiting conversations (and those held by someone
    /// long offline) to its online members, oldest first; how many it gave.
    pub async fn route_team(&self, tenant: TenantId, team: uuid::Uuid) -> Result<usize, DbError> {
        let teams = self.db.tenant(tenant).teams();
        let Some(rule) = teams.rule(team).await? else { return Ok(0) };
        if rule.assignment == "manual" || !self.open_now(tenant, team).await? {
            return Ok(0);
        }
        let mut candidates = teams.candidates(team).await?;
        let mut work: Vec<(ConversationId, Option<UserId>)> =
            teams.held_by_absent(team, self.policy.reassign_after, PER_SWEEP).await?.into_iter().map(|(c, u)| (c, Some(u))).collect();
        work.extend(teams.waiting(team, PER_SWEEP).await?.into_iter().map(|c| (c, None)));
        let mut given = 0;
        for (conversation, held_by) in work {
            let Some(user) = pick(&candidates, |u| self.hub.is_online(tenant, u), &rule.assignment, rule.max_open_per_agent) else {
                if let Some(absent) = held_by {
                    // Nobody online to take it: it waits in the team, unassigned.
                    self.assign(tenant, conversation, None).await?;
                    tracing::info!(tenant = %tenant.0, conversation = %conversation.0, absent = %absent.0, "conversation back to its team");
                }
                continue;
            };
            // Someone may have taken it meanwhile (an agent, another sweep).
            if !self.still_held_by(tenant, conversation, held_by).await? {
                continue;
            }
            if self.assign(tenant, conversation, Some(user)).await? {
                teams.mark_assigned(team, user).await?;
                if let Some(c) = candidates.iter_mut().find(|c| c.user == user) {
                    c.load += 1;
                    c.last_assigned_at = Some(chrono::Utc::now());
                }
                given += 1;
            }
        }
        Ok(given)
    }

    /// Gives one conversation to an online member of `rule`'s team now, if
    /// anyone can take it; whom.
    pub async fn route_one(&self, tenant: TenantId, conversation: ConversationId, rule: &TeamRule) -> Result<Option<UserId>, DbError> {
        if !self.open_now(tenant, rule.id).await? || !self.still_held_by(tenant, conversation, None).await? {
            return Ok(None);
        }
        let teams = self.db.tenant(tenant).teams();
        let candidates = teams.candidates(rule.id).await?;
        let Some(user) = pick(&candidates, |u| self.hub.is_online(tenant, u), &rule.assignment, rule.max_open_per_agent) else {
            return Ok(None);
        };
        if self.assign(tenant, conversation, Some(user)).await? {
            teams.mark_assigned(rule.id, user).await?;
            return Ok(Some(user));
        }
        Ok(None)
    }

    /// Whether the conversation is still with `held_by` (None: nobody).
    async fn still_held_by(&self, tenant: TenantId, conversation: ConversationId, held_by: Option<UserId>) -> Result<bool, DbError> {
        let now = self.db.tenant(tenant).conversations().visible(conversation, Visibility::system()).await?;
        Ok(now.is_some_and(|c| c.assignee_id == held_by))
    }

    /// Whether the team works now (its business hours, else the account's;
    /// none set: always). Outside them conversations wait in the team.
    async fn open_now(&self, tenant: TenantId, team: uuid::Uuid) -> Result<bool, DbError> {
        let Some((_, h)) = self.db.tenant(tenant).service().hours_for(Some(team)).await? else { return Ok(true) };
        Ok(crate::automations::hours::Schedule::parse(&h.time_zone, &h.weekly, &h.holidays).map_or(true, |s| s.is_open(chrono::Utc::now())))
    }

    /// Assigns through the conversation's actor (as an agent would); false
    /// when the conversation is gone or did not answer.
    pub async fn assign(&self, tenant: TenantId, conversation: ConversationId, user: Option<UserId>) -> Result<bool, DbError> {
        self.patch(tenant, conversation, ConversationPatch { status: None, assignee: Some(user), by: None, claim: false }).await
    }

    /// Changes status and/or assignee through the conversation's actor;
    /// false when the conversation is gone or did not answer.
    pub async fn patch(&self, tenant: TenantId, conversation: ConversationId, patch: ConversationPatch) -> Result<bool, DbError> {
        let Some(c) = self.db.tenant(tenant).conversations().visible(conversation, Visibility::system()).await? else { return Ok(false) };
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.router.command(ConversationCommand {
            channel: c.channel,
            contact_id: c.contact_id,
            work: ConversationWork::Patch(patch, Some(tx)),
        });
        Ok(matches!(tokio::time::timeout(Duration::from_secs(15), rx).await, Ok(Ok(Ok(_)))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn c(n: u128, presence: &str, load: i64, last: Option<i64>) -> Candidate {
        Candidate {
            user: UserId(uuid::Uuid::from_u128(n)),
            presence: presence.into(),
            load,
            last_assigned_at: last.map(|s| Utc.timestamp_opt(s, 0).single().unwrap()),
        }
    }

    #[test]
    fn round_robin_takes_the_member_served_longest_ago_never_served_first() {
        let team = [c(1, "online", 0, Some(100)), c(2, "online", 5, None), c(3, "online", 0, Some(50))];
        assert_eq!(pick(&team, |_| true, "round_robin", None), Some(UserId(uuid::Uuid::from_u128(2))));
        let team = [c(1, "online", 0, Some(100)), c(3, "online", 0, Some(50))];
        assert_eq!(pick(&team, |_| true, "round_robin", None), Some(UserId(uuid::Uuid::from_u128(3))));
    }

    #[test]
    fn least_busy_takes_the_fewest_open_then_longest_ago() {
        let team = [c(1, "online", 3, None), c(2, "online", 1, Some(100)), c(3, "online", 1, Some(50))];
        assert_eq!(pick(&team, |_| true, "least_busy", None), Some(UserId(uuid::Uuid::from_u128(3))));
    }

    #[test]
    fn only_online_connected_members_under_the_cap() {
        let team = [c(1, "away", 0, None), c(2, "online", 2, None), c(3, "online", 0, None), c(4, "busy", 0, None)];
        // 3 is not connected to this node; 2 is at the cap.
        assert_eq!(pick(&team, |u| u != UserId(uuid::Uuid::from_u128(3)), "round_robin", Some(2)), None);
        assert_eq!(pick(&team, |_| true, "round_robin", Some(2)), Some(UserId(uuid::Uuid::from_u128(3))));
        assert_eq!(pick(&team, |_| true, "manual", None), None);
    }
}
