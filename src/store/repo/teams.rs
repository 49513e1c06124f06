//! A tenant's teams: their members, the conversations waiting in them, and
//! what the router needs to pick a member (each one's open conversations
//! and when the team last gave them one).

use super::{Conflict, DbError, TenantDb};
use chrono::{DateTime, Utc};
use sqlx::Row;
use whatsflow_actors::ids::{ConversationId, UserId};

/// A team as listed.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct TeamView {
    /// Id.
    pub id: uuid::Uuid,
    /// Name.
    pub name: String,
    /// `manual`, `round_robin` or `least_busy`.
    pub assignment: String,
    /// Most open conversations a member is given automatically (none: no cap).
    pub max_open_per_agent: Option<i32>,
    /// Its people.
    pub members: Vec<TeamMember>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// A member of a team.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct TeamMember {
    /// The person.
    pub user_id: uuid::Uuid,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// online / away / busy / offline (as they set it).
    pub presence: String,
    /// Open or pending conversations assigned to them (any team).
    pub open_conversations: i64,
}

/// A team to store, or the fields of a change (absent: unchanged).
#[derive(Debug, Clone, Default)]
pub struct TeamFields {
    /// Name.
    pub name: Option<String>,
    /// Assignment mode.
    pub assignment: Option<String>,
    /// Cap (Some(None): no cap).
    pub max_open_per_agent: Option<Option<i32>>,
    /// The whole member list.
    pub member_ids: Option<Vec<uuid::Uuid>>,
}

/// What storing a team found.
#[derive(Debug, Clone)]
pub enum TeamWrite {
    /// Stored.
    Done(Box<TeamView>),
    /// No such team.
    NotFound,
    /// These member ids are not people of the account.
    UnknownMembers(Vec<uuid::Uuid>),
}

/// A team as the router sees it.
#[derive(Debug, Clone)]
pub struct TeamRule {
    /// Id.
    pub id: uuid::Uuid,
    /// Assignment mode.
    pub assignment: String,
    /// Cap.
    pub max_open_per_agent: Option<i32>,
}

/// A member as the router weighs them.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The person.
    pub user: UserId,
    /// Their presence setting.
    pub presence: String,
    /// Their open or pending conversations.
    pub load: i64,
    /// When this team last gave them a conversation.
    pub last_assigned_at: Option<DateTime<Utc>>,
}

/// A tenant's teams.
pub struct Teams<'a> {
    pub(super) db: TenantDb<'a>,
}

const MEMBERS_SQL: &str = "SELECT m.team_id, u.id AS user_id, u.name, u.email, u.presence,
        (SELECT count(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status IN ('open', 'pending')) AS open_conversations
     FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = ANY($1) ORDER BY u.name, u.id";

impl Teams<'_> {
    async fn views(&self, tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, id: Option<uuid::Uuid>) -> Result<Vec<TeamView>, DbError> {
        let rows = sqlx::query(
            "SELECT id, name, assignment, max_open_per_agent, created_at, updated_at FROM teams
             WHERE $1::uuid IS NULL OR id = $1 ORDER BY lower(name), id",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?;
        let members = sqlx::query(MEMBERS_SQL).bind(&ids).fetch_all(&mut **tx).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: uuid::Uuid = r.try_get("id")?;
            let mut list = Vec::new();
            for m in members.iter().filter(|m| m.try_get::<uuid::Uuid, _>("team_id").is_ok_and(|t| t == id)) {
                list.push(TeamMember {
                    user_id: m.try_get("user_id")?,
                    name: m.try_get("name")?,
                    email: m.try_get("email")?,
                    presence: m.try_get("presence")?,
                    open_conversations: m.try_get("open_conversations")?,
                });
            }
            out.push(TeamView {
                id,
                name: r.try_get("name")?,
                assignment: r.try_get("assignment")?,
                max_open_per_agent: r.try_get("max_open_per_agent")?,
                members: list,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            });
        }
        Ok(out)
    }

    /// Every team with its members, by name.
    pub async fn list(&self) -> Result<Vec<TeamView>, DbError> {
        let mut tx = self.db.tx().await?;
        let out = self.views(&mut tx, None).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// One team.
    pub async fn get(&self, id: uuid::Uuid) -> Result<Option<TeamView>, DbError> {
        let mut tx = self.db.tx().await?;
        let out = self.views(&mut tx, Some(id)).await?.into_iter().next();
        tx.commit().await?;
        Ok(out)
    }

    /// Creates (`id` None) or changes a team, all or nothing.
    pub async fn save(&self, id: Option<uuid::Uuid>, f: TeamFields) -> Result<TeamWrite, DbError> {
        let mut tx = self.db.tx().await?;
        if let Some(members) = &f.member_ids {
            let known: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE id = ANY($1) AND role <> 'super_admin'")
                .bind(members)
                .fetch_all(&mut *tx)
                .await?;
            let unknown: Vec<uuid::Uuid> = members.iter().filter(|m| !known.contains(m)).copied().collect();
            if !unknown.is_empty() {
                return Ok(TeamWrite::UnknownMembers(unknown));
            }
        }
        let name = f.name.clone().unwrap_or_default();
        let team_id = match id {
            None => {
                let id = uuid::Uuid::new_v4();
                sqlx::query("INSERT INTO teams (id, tenant_id, name, assignment, max_open_per_agent) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(self.db.tenant.0)
                    .bind(&name)
                    .bind(f.assignment.as_deref().unwrap_or("round_robin"))
                    .bind(f.max_open_per_agent.flatten())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| DbError::on_constraint(e, "teams_name_key", Conflict::TeamExists(name.clone())))?;
                id
            }
            Some(id) => {
                let n = sqlx::query(
                    "UPDATE teams SET name = COALESCE($2, name), assignment = COALESCE($3, assignment),
                        max_open_per_agent = CASE WHEN $4 THEN $5 ELSE max_open_per_agent END, updated_at = now()
                     WHERE id = $1",
                )
                .bind(id)
                .bind(&f.name)
                .bind(&f.assignment)
                .bind(f.max_open_per_agent.is_some())
                .bind(f.max_open_per_agent.flatten())
                .execute(&mut *tx)
                .await
                .map_err(|e| DbError::on_constraint(e, "teams_name_key", Conflict::TeamExists(name.clone())))?
                .rows_affected();
                if n == 0 {
                    return Ok(TeamWrite::NotFound);
                }
                id
            }
        };
        if let Some(members) = &f.member_ids {
            sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND NOT (user_id = ANY($2))")
                .bind(team_id)
                .bind(members)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO team_members (tenant_id, team_id, user_id) SELECT $1, $2, u FROM unnest($3::uuid[]) u ON CONFLICT DO NOTHING",
            )
            .bind(self.db.tenant.0)
            .bind(team_id)
            .bind(members)
            .execute(&mut *tx)
            .await?;
        }
        let view = self.views(&mut tx, Some(team_id)).await?.into_iter().next();
        tx.commit().await?;
        Ok(view.map_or(TeamWrite::NotFound, |v| TeamWrite::Done(Box::new(v))))
    }

    /// Deletes a team (its conversations keep their assignees, lose the team).
    pub async fn delete(&self, id: uuid::Uuid) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query("DELETE FROM teams WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// A team's routing rule, by id.
    pub async fn rule(&self, id: uuid::Uuid) -> Result<Option<TeamRule>, DbError> {
        self.rule_where("id = $1::uuid", id.to_string()).await
    }

    /// A team's routing rule, by name (any case).
    pub async fn rule_named(&self, name: &str) -> Result<Option<TeamRule>, DbError> {
        self.rule_where("lower(name) = lower($1)", name.to_owned()).await
    }

    async fn rule_where(&self, condition: &str, value: String) -> Result<Option<TeamRule>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!("SELECT id, assignment, max_open_per_agent FROM teams WHERE {condition}"))
            .bind(value)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row
            .map(|r| -> Result<TeamRule, sqlx::Error> {
                Ok(TeamRule {
                    id: r.try_get("id")?,
                    assignment: r.try_get("assignment")?,
                    max_open_per_agent: r.try_get("max_open_per_agent")?,
                })
            })
            .transpose()?)
    }

    /// The team's members with their load.
    pub async fn candidates(&self, team: uuid::Uuid) -> Result<Vec<Candidate>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT u.id, u.presence, m.last_assigned_at,
                    (SELECT count(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status IN ('open', 'pending')) AS load
             FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY u.created_at, u.id",
        )
        .bind(team)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows
            .iter()
            .map(|r| -> Result<Candidate, sqlx::Error> {
                Ok(Candidate {
                    user: UserId(r.try_get("id")?),
                    presence: r.try_get("presence")?,
                    load: r.try_get("load")?,
                    last_assigned_at: r.try_get("last_assigned_at")?,
                })
            })
            .collect::<Result<_, _>>()?)
    }

    /// Open or pending conversations of the team nobody has, oldest first.
    pub async fn waiting(&self, team: uuid::Uuid, limit: i64) -> Result<Vec<ConversationId>, DbError> {
        let mut tx = self.db.tx().await?;
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM conversations WHERE team_id = $1 AND assignee_id IS NULL AND status IN ('open', 'pending')
             ORDER BY COALESCE(last_inbound_at, created_at), id LIMIT $2",
        )
        .bind(team)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ids.into_iter().map(ConversationId).collect())
    }

    /// Open conversations of the team, held by someone offline for longer
    /// than `absent_for` (to be handed to someone online).
    pub async fn held_by_absent(
        &self,
        team: uuid::Uuid,
        absent_for: std::time::Duration,
        limit: i64,
    ) -> Result<Vec<(ConversationId, UserId)>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT c.id, c.assignee_id FROM conversations c JOIN users u ON u.id = c.assignee_id
             WHERE c.team_id = $3 AND c.status IN ('open', 'pending')
               AND u.presence = 'offline' AND u.presence_at < now() - make_interval(secs => $1)
             ORDER BY c.updated_at LIMIT $2",
        )
        .bind(absent_for.as_secs_f64())
        .bind(limit)
        .bind(team)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows
            .iter()
            .map(|r| -> Result<(ConversationId, UserId), sqlx::Error> {
                Ok((ConversationId(r.try_get("id")?), UserId(r.try_get("assignee_id")?)))
            })
            .collect::<Result<_, _>>()?)
    }

    /// Notes that the team gave `user` a conversation now.
    pub async fn mark_assigned(&self, team: uuid::Uuid, user: UserId) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query("UPDATE team_members SET last_assigned_at = now() WHERE team_id = $1 AND user_id = $2")
            .bind(team)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts a conversation in a team (None: in none), `by` a person (None:
    /// a rule or the bot); false when there is no such conversation (or team).
    pub async fn set_conversation_team(
        &self,
        conversation: ConversationId,
        team: Option<uuid::Uuid>,
        by: Option<UserId>,
    ) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        if let Some(t) = team {
            let exists: Option<uuid::Uuid> =
                sqlx::query_scalar("SELECT id FROM teams WHERE id = $1").bind(t).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Ok(false);
            }
        }
        let n = sqlx::query(
            "UPDATE conversations SET team_id = $2, changed_by = $3, updated_at = now() WHERE id = $1 AND team_id IS DISTINCT FROM $2",
        )
        .bind(conversation.0)
        .bind(team)
        .bind(by.map(|u| u.0))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let exists = n > 0
            || sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM conversations WHERE id = $1")
                .bind(conversation.0)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        tx.commit().await?;
        Ok(exists)
    }
}

impl super::Db {
    /// The teams, across tenants, with conversations waiting for a member
    /// or held by someone offline for longer than `absent_for`.
    pub async fn teams_to_route(
        &self,
        absent_for: std::time::Duration,
    ) -> Result<Vec<(whatsflow_actors::ids::TenantId, uuid::Uuid)>, DbError> {
        let rows: Vec<(uuid::Uuid, uuid::Uuid)> =
            sqlx::query_as("SELECT tenant_id, team_id FROM teams_to_route(make_interval(secs => $1))")
                .bind(absent_for.as_secs_f64())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(t, team)| (whatsflow_actors::ids::TenantId(t), team)).collect())
    }
}
