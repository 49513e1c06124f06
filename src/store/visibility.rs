//! Who may see a conversation, defined once: admins (and API keys) see every
//! conversation of their tenant; agents see the unassigned ones and their
//! own. Conversations, their messages, notes, flow executions, idempotent
//! replays, search, and the socket frames about them all ask this module.

use crate::auth::AuthUser;
use sqlx::postgres::PgArguments;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::Postgres;
use whatsflow_actors::ids::UserId;

/// The rule for one caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    all: bool,
    viewer: UserId,
}

impl Visibility {
    /// What `caller` may see.
    pub fn of(caller: &AuthUser) -> Self {
        Self { all: caller.sees_all_conversations(), viewer: caller.user_id }
    }

    /// The server itself (routing, automations): every conversation.
    pub fn system() -> Self {
        Self { all: true, viewer: UserId(uuid::Uuid::nil()) }
    }

    /// Whether every conversation is visible (admins, keys).
    pub fn sees_all(&self) -> bool {
        self.all
    }

    /// Whose own conversations an agent sees.
    pub fn viewer(&self) -> uuid::Uuid {
        self.viewer.0
    }

    /// Whether a conversation assigned to `assignee` is visible.
    pub fn allows(&self, assignee: Option<UserId>) -> bool {
        self.all || assignee.is_none_or(|a| a == self.viewer)
    }

    /// The SQL condition on a `conversations` row aliased `alias`; the rule's
    /// two parameters are `$first` and `$first + 1` (bind them with
    /// [`Visibility::bind`] in that position).
    pub fn sql(alias: &str, first: usize) -> String {
        format!("(${first} OR {alias}.assignee_id IS NULL OR {alias}.assignee_id = ${})", first + 1)
    }

    /// Binds the rule's two parameters.
    pub fn bind<'q>(&self, q: Query<'q, Postgres, PgArguments>) -> Query<'q, Postgres, PgArguments> {
        q.bind(self.all).bind(self.viewer.0)
    }

    /// Binds the rule's two parameters to a typed query.
    pub fn bind_as<'q, O>(&self, q: QueryAs<'q, Postgres, O, PgArguments>) -> QueryAs<'q, Postgres, O, PgArguments> {
        q.bind(self.all).bind(self.viewer.0)
    }

    /// Binds the rule's two parameters to a scalar query.
    pub fn bind_scalar<'q, O>(&self, q: QueryScalar<'q, Postgres, O, PgArguments>) -> QueryScalar<'q, Postgres, O, PgArguments> {
        q.bind(self.all).bind(self.viewer.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use whatsflow_actors::ids::TenantId;

    #[test]
    fn agents_see_unassigned_and_their_own_admins_everything() {
        let (me, other) = (UserId::generate(), UserId::generate());
        let agent = AuthUser { user_id: me, tenant_id: TenantId::generate(), role: Role::Agent, api_key: None, impersonator: None };
        let admin = AuthUser { role: Role::TenantAdmin, ..agent };
        let a = Visibility::of(&agent);
        assert!(a.allows(None) && a.allows(Some(me)) && !a.allows(Some(other)));
        assert!(Visibility::of(&admin).allows(Some(other)));
        assert_eq!(Visibility::sql("c", 4), "($4 OR c.assignee_id IS NULL OR c.assignee_id = $5)");
    }
}
