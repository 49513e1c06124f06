//! People and their sessions: the team of a tenant, sign-up, the login
//! attempt counter, refresh tokens (single use, rotated) and the token
//! version that ends every access token of a user at once.

use super::{Conflict, DbError, TenantDb};
use crate::auth::limits::{FIRST_LOCKOUT, LOCK_AFTER_FAILURES, MAX_LOCKOUT};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Postgres, Transaction};
use whatsflow_actors::ids::{TenantId, UserId};

/// A user as the API shows them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct UserView {
    /// Id.
    pub id: uuid::Uuid,
    /// Tenant.
    pub tenant_id: uuid::Uuid,
    /// Display name.
    pub name: String,
    /// Login email.
    pub email: String,
    /// Role.
    #[ts(type = "Role")]
    pub role: String,
    /// online / away / busy / offline.
    pub presence: String,
    /// Their interface language (`en`, `hi`, `ta`, `bn`); none: the device's choice.
    pub language: Option<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// Their invitation by email while it is not accepted: when it was
    /// sent and until when its link works.
    #[ts(type = "{ sent_at: string; expires_at: string } | null")]
    pub invitation: Option<serde_json::Value>,
}

/// A person to add to a tenant (a member, a tenant's first admin, a
/// platform operator).
pub(super) struct NewUser<'a> {
    /// Sign-in email (lower case).
    pub email: &'a str,
    /// Name.
    pub name: &'a str,
    /// argon2id hash.
    pub password_hash: &'a str,
    /// Stored role.
    pub role: &'a str,
}

/// Inserts a person into `tenant` in `tx`; one account per email platform-wide.
pub(super) async fn insert_user(tx: &mut Transaction<'static, Postgres>, tenant: TenantId, u: NewUser<'_>) -> Result<UserView, DbError> {
    sqlx::query_as(&format!(
        "INSERT INTO users (id, tenant_id, email, name, password_hash, role) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}"
    ))
    .bind(uuid::Uuid::now_v7())
    .bind(tenant.0)
    .bind(u.email)
    .bind(u.name)
    .bind(u.password_hash)
    .bind(u.role)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| DbError::on_constraint(e, "users_email_key", Conflict::EmailTaken(u.email.to_owned())))
}

/// Columns of [`UserView`].
pub(super) const USER_COLUMNS: &str = "id, tenant_id, name, email, role, presence, language, created_at,
    (SELECT jsonb_build_object('sent_at', t.created_at, 'expires_at', t.expires_at) FROM auth_tokens t
     WHERE t.user_id = users.id AND t.purpose = 'invitation' AND t.used_at IS NULL ORDER BY t.created_at DESC LIMIT 1) AS invitation";

/// A refresh token to record for a new session.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The token id (`jti`).
    pub id: uuid::Uuid,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// The browser or client that signed in (for the session list).
    pub user_agent: Option<String>,
    /// Its address.
    pub ip: Option<String>,
}

/// A signed-in user: who they are now and their token version.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user.
    pub user: UserView,
    /// Their token version, for the tokens to carry.
    pub version: i32,
}

/// Whether a login attempt may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted; check the password.
    Allowed,
    /// The account is locked until then.
    Locked(DateTime<Utc>),
}

/// What a refresh did.
#[derive(Debug, Clone)]
pub enum Rotation {
    /// The old token died and the new one lives.
    Rotated(Box<SignedIn>),
    /// The token was already used or revoked: every session of the user has
    /// been ended (it was stolen or replayed).
    Reused,
    /// The user no longer exists.
    Gone,
}

/// Ends a person's open invitation: once they have a password (set by an
/// admin, or through a reset link), the invitation link must not replace it.
pub(super) async fn close_invitations(tx: &mut Transaction<'static, Postgres>, user: UserId) -> Result<(), DbError> {
    sqlx::query("UPDATE auth_tokens SET used_at = now() WHERE user_id = $1 AND purpose = 'invitation' AND used_at IS NULL")
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records a refresh token for `user` in `tx`.
pub(super) async fn start_session(
    tx: &mut Transaction<'static, Postgres>,
    user: UserView,
    session: NewSession,
) -> Result<SignedIn, DbError> {
    let version: i32 = sqlx::query_scalar("SELECT token_version FROM users WHERE id = $1").bind(user.id).fetch_one(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO refresh_tokens (id, tenant_id, user_id, expires_at, user_agent, ip, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, now())",
    )
    .bind(session.id)
    .bind(user.tenant_id)
    .bind(user.id)
    .bind(session.expires_at)
    .bind(&session.user_agent)
    .bind(&session.ip)
        .execute(&mut **tx)
        .await?;
    Ok(SignedIn { user, version })
}

/// Ends every access token of `user` (in `tx`).
pub(super) async fn bump_version(tx: &mut Transaction<'static, Postgres>, user: UserId) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET token_version = token_version + 1 WHERE id = $1").bind(user.0).execute(&mut **tx).await?;
    Ok(())
}

/// Revokes every refresh token of `user` (in `tx`).
pub(super) async fn revoke_refresh_tokens(tx: &mut Transaction<'static, Postgres>, user: UserId) -> Result<(), DbError> {
    sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What changes about a member.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    /// New name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<&'static str>,
    /// New password hash (ends every session of the user).
    pub password_hash: Option<String>,
}

/// A tenant's team.
pub struct Users<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Users<'_> {
    /// Everyone, oldest first.
    pub async fn list(&self) -> Result<Vec<UserView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id")).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One member.
    pub async fn get(&self, id: UserId) -> Result<Option<UserView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(id.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Sets a member's interface language (None: the device's choice).
    pub async fn set_language(&self, id: UserId, language: Option<&str>) -> Result<Option<UserView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!("UPDATE users SET language = $2 WHERE id = $1 RETURNING {USER_COLUMNS}"))
            .bind(id.0)
            .bind(language)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Adds a member.
    pub async fn create(&self, email: &str, name: &str, password_hash: &str, role: &str) -> Result<UserView, DbError> {
        let mut tx = self.db.tx().await?;
        super::plans::hold_limit(&mut tx, self.db.tenant, crate::plans::Limit::Agents).await?;
        let user = insert_user(&mut tx, self.db.tenant, NewUser { email, name, password_hash, role }).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Changes a member; a new role or password also ends their sessions
    /// (a new password ends their refresh tokens too). None: no such member.
    pub async fn update(&self, id: UserId, change: UserChange) -> Result<Option<UserView>, DbError> {
        let mut tx = self.db.tx().await?;
        if change.password_hash.is_some() {
            close_invitations(&mut tx, id).await?;
        }
        let row: Option<UserView> = sqlx::query_as(&format!(
            "UPDATE users SET name = COALESCE($2, name), role = COALESCE($3, role), password_hash = COALESCE($4, password_hash) WHERE id = $1 RETURNING {USER_COLUMNS}"
        ))
        .bind(id.0)
        .bind(&change.name)
        .bind(change.role)
        .bind(&change.password_hash)
        .fetch_optional(&mut *tx)
        .await?;
        if row.is_some() {
            if change.password_hash.is_some() {
                revoke_refresh_tokens(&mut tx, id).await?;
            }
            if change.password_hash.is_some() || change.role.is_some() {
                bump_version(&mut tx, id).await?;
            }
        }
        tx.commit().await?;
        Ok(row)
    }

    /// Removes a member; false when there was none.
    pub async fn delete(&self, id: UserId) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let gone = sqlx::query("DELETE FROM users WHERE id = $1").bind(id.0).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(gone > 0)
    }

    /// Records an agent's presence (online, away, offline).
    pub async fn set_presence(&self, id: UserId, presence: &str) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query("UPDATE users SET presence = $2, presence_at = now() WHERE id = $1 AND presence IS DISTINCT FROM $2")
            .bind(id.0)
            .bind(presence)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A member's password hash (to check a current password).
    pub async fn password_hash(&self, id: UserId) -> Result<Option<String>, DbError> {
        let mut tx = self.db.tx().await?;
        let hash = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(hash)
    }

    /// A user's token version and role now (None: no such user).
    pub async fn session_state(&self, id: UserId) -> Result<Option<(i32, String)>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as("SELECT token_version, role FROM users WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Counts a login attempt on `id` before its password is checked, in
    /// one statement (parallel guesses cannot slip past the lock); the
    /// attempt that reaches the limit locks the account, exponentially.
    pub async fn reserve_login_attempt(&self, id: UserId) -> Result<Attempt, DbError> {
        let mut tx = self.db.tx().await?;
        let reserved: Option<i32> = sqlx::query_scalar(
            "UPDATE users SET failed_logins = failed_logins + 1,
                locked_until = CASE WHEN failed_logins + 1 >= $2
                    THEN now() + make_interval(secs => LEAST($3 * power(2, failed_logins + 1 - $2), $4)) ELSE NULL END
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now()) RETURNING failed_logins",
        )
        .bind(id.0)
        .bind(LOCK_AFTER_FAILURES)
        .bind(FIRST_LOCKOUT.as_secs_f64())
        .bind(MAX_LOCKOUT.as_secs_f64())
        .fetch_optional(&mut *tx)
        .await?;
        let attempt = match reserved {
            Some(_) => Attempt::Allowed,
            None => {
                let until: Option<DateTime<Utc>> =
                    sqlx::query_scalar("SELECT locked_until FROM users WHERE id = $1").bind(id.0).fetch_one(&mut *tx).await?;
                Attempt::Locked(until.unwrap_or_else(Utc::now))
            }
        };
        tx.commit().await?;
        Ok(attempt)
    }

    /// A successful login: the attempt count is cleared and a session starts
    /// (None: the account was suspended meanwhile; no session starts).
    pub async fn login(&self, id: UserId, session: NewSession) -> Result<Option<SignedIn>, DbError> {
        let mut tx = self.db.tx().await?;
        let user: UserView = sqlx::query_as(&format!(
            "UPDATE users SET last_login_at = now(), failed_logins = 0, locked_until = NULL WHERE id = $1 RETURNING {USER_COLUMNS}"
        ))
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await?;
        // Read after the user's row is held: a suspension that ended this
        // user's sessions meanwhile is seen here, and none starts.
        let status: String =
            sqlx::query_scalar("SELECT status FROM tenants WHERE id = $1").bind(self.db.tenant.0).fetch_one(&mut *tx).await?;
        if status == "suspended" {
            return Ok(None);
        }
        let signed = start_session(&mut tx, user, session).await?;
        tx.commit().await?;
        Ok(Some(signed))
    }

    /// Trades refresh token `old` of `user` for `next`.
    pub async fn rotate_session(&self, user: UserId, old: uuid::Uuid, next: NewSession) -> Result<Rotation, DbError> {
        let mut tx = self.db.tx().await?;
        let live: Option<uuid::Uuid> = sqlx::query_scalar(
            "UPDATE refresh_tokens SET revoked_at = now(), replaced_by = $2 WHERE id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING user_id",
        )
        .bind(old)
        .bind(next.id)
        .fetch_optional(&mut *tx)
        .await?;
        if live.is_none() {
            revoke_refresh_tokens(&mut tx, user).await?;
            bump_version(&mut tx, user).await?;
            tx.commit().await?;
            return Ok(Rotation::Reused);
        }
        let found: Option<UserView> =
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(user.0).fetch_optional(&mut *tx).await?;
        let Some(found) = found else {
            return Ok(Rotation::Gone);
        };
        let signed = start_session(&mut tx, found, next).await?;
        tx.commit().await?;
        Ok(Rotation::Rotated(Box::new(signed)))
    }

    /// Ends the session of refresh token `id` and every access token of its
    /// user; false when it was already ended.
    pub async fn end_session(&self, user: UserId, id: uuid::Uuid) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let revoked = sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if revoked > 0 {
            bump_version(&mut tx, user).await?;
        }
        tx.commit().await?;
        Ok(revoked > 0)
    }
}
