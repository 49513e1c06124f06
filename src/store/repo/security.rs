//! Account security's rows: mailed one-time tokens (password reset, email
//! verification), two-factor state, the sessions a person has open, and a
//! tenant's rule that its people use two-factor.

use super::users::{bump_version, close_invitations, revoke_refresh_tokens};
use super::{DbError, TenantDb};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use whatsflow_actors::ids::{TenantId, UserId};

/// What a mailed token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Choosing a new password.
    PasswordReset,
    /// Proving the email address is the person's.
    EmailVerification,
    /// Joining a team: the invitee chooses their password.
    Invitation,
}

impl TokenPurpose {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
            Self::Invitation => "invitation",
        }
    }
}

/// Spends a live mailed token of `purpose` in `tx`, once: its person, or
/// None when it is used, expired, replaced or of another purpose.
async fn spend_token(tx: &mut Transaction<'static, Postgres>, hash: &[u8], purpose: TokenPurpose) -> Result<Option<UserId>, DbError> {
    let user: Option<uuid::Uuid> = sqlx::query_scalar(
        "UPDATE auth_tokens SET used_at = now() WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id",
    )
    .bind(hash)
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(user.map(UserId))
}

/// Sets a person's password through a mailed link in `tx`: the lockout is
/// cleared and every session ended; `email_proven` also marks the address
/// verified (the link reached it).
async fn set_password(
    tx: &mut Transaction<'static, Postgres>,
    user: UserId,
    password_hash: &str,
    email_proven: bool,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL,
             email_verified_at = CASE WHEN $3 THEN COALESCE(email_verified_at, now()) ELSE email_verified_at END
         WHERE id = $1",
    )
    .bind(user.0)
    .bind(password_hash)
    .bind(email_proven)
    .execute(&mut **tx)
    .await?;
    revoke_refresh_tokens(tx, user).await?;
    bump_version(tx, user).await
}

/// An invitation as its page shows it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct InvitationView {
    /// The invitee's sign-in email.
    pub email: String,
    /// Their name as the admin typed it.
    pub name: String,
    /// The account they join.
    pub tenant_name: String,
    /// Until when the link works.
    pub expires_at: DateTime<Utc>,
}

/// A person's two-factor state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TwoFactor {
    /// The sealed secret, once enabled.
    pub totp_secret: Option<Vec<u8>>,
    /// The sealed secret being set up.
    pub totp_pending_secret: Option<Vec<u8>>,
    /// When it was turned on.
    pub totp_enabled_at: Option<DateTime<Utc>>,
    /// The last step a code was accepted for.
    pub totp_last_step: Option<i64>,
    /// Recovery codes left (SHA-256, hex).
    pub recovery_codes: Vec<String>,
    /// Their email.
    pub email: String,
    /// When their email was verified.
    pub email_verified_at: Option<DateTime<Utc>>,
}

/// An open session (a live refresh token) as its person sees it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct SessionView {
    /// The refresh token's id.
    pub id: uuid::Uuid,
    /// When this token was issued (sign-in or last refresh).
    pub created_at: DateTime<Utc>,
    /// Last sign-in or refresh.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it ends unless refreshed.
    pub expires_at: DateTime<Utc>,
    /// The client.
    pub user_agent: Option<String>,
    /// Its address.
    pub ip: Option<String>,
}

impl TenantDb<'_> {
    /// Records a mailed token (its hash), retiring the person's earlier
    /// unused ones of the same purpose.
    pub async fn issue_auth_token(
        &self,
        user: UserId,
        purpose: TokenPurpose,
        hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let mut tx = self.tx().await?;
        sqlx::query("UPDATE auth_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
            .bind(user.0)
            .bind(purpose.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO auth_tokens (tenant_id, user_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(self.tenant.0)
            .bind(user.0)
            .bind(purpose.as_str())
            .bind(hash)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password with a reset token, once: the token is spent,
    /// the lockout cleared and every session of the person ended. None when
    /// the token is not live.
    pub async fn reset_password(&self, hash: &[u8], password_hash: &str) -> Result<Option<UserId>, DbError> {
        let mut tx = self.tx().await?;
        let Some(user) = spend_token(&mut tx, hash, TokenPurpose::PasswordReset).await? else { return Ok(None) };
        close_invitations(&mut tx, user).await?;
        set_password(&mut tx, user, password_hash, false).await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    /// What the invitation page shows: the invitee's email and name, the
    /// account's name and until when the link works (None: no live
    /// invitation under this token).
    pub async fn invitation(&self, hash: &[u8]) -> Result<Option<InvitationView>, DbError> {
        let mut tx = self.tx().await?;
        let row: Option<InvitationView> = sqlx::query_as(
            "SELECT u.email, u.name, t.name AS tenant_name, a.expires_at
             FROM auth_tokens a JOIN users u ON u.id = a.user_id JOIN tenants t ON t.id = a.tenant_id
             WHERE a.token_hash = $1 AND a.purpose = 'invitation' AND a.used_at IS NULL AND a.expires_at > now()",
        )
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Invitation mails this account sent in the last day, and when the
    /// newest to `user` was sent (the limits on invitation mail).
    pub async fn invitations_sent(&self, user: UserId) -> Result<(i64, Option<DateTime<Utc>>), DbError> {
        let mut tx = self.tx().await?;
        let row: (i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE created_at > now() - interval '1 day'), max(created_at) FILTER (WHERE user_id = $1)
             FROM auth_tokens WHERE purpose = 'invitation'",
        )
        .bind(user.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Accepts an invitation, once: the invitee's password is set and their
    /// email counts as verified (the link reached it). None when the token
    /// is not live.
    pub async fn accept_invitation(&self, hash: &[u8], password_hash: &str) -> Result<Option<UserId>, DbError> {
        let mut tx = self.tx().await?;
        let Some(user) = spend_token(&mut tx, hash, TokenPurpose::Invitation).await? else { return Ok(None) };
        set_password(&mut tx, user, password_hash, true).await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    /// Marks the email verified with a verification token, once.
    pub async fn verify_email(&self, hash: &[u8]) -> Result<Option<UserId>, DbError> {
        let mut tx = self.tx().await?;
        let user = spend_token(&mut tx, hash, TokenPurpose::EmailVerification).await?;
        if let Some(u) = user {
            sqlx::query("UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1")
                .bind(u.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(user)
    }

    /// A person's two-factor state (None: no such person).
    pub async fn two_factor(&self, user: UserId) -> Result<Option<TwoFactor>, DbError> {
        let mut tx = self.tx().await?;
        let row = sqlx::query_as(
            "SELECT totp_secret, totp_pending_secret, totp_enabled_at, totp_last_step, recovery_codes, email, email_verified_at FROM users WHERE id = $1",
        )
        .bind(user.0)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Keeps a secret being set up (replacing an earlier one).
    pub async fn set_pending_totp(&self, user: UserId, sealed: &[u8]) -> Result<(), DbError> {
        let mut tx = self.tx().await?;
        sqlx::query("UPDATE users SET totp_pending_secret = $2 WHERE id = $1").bind(user.0).bind(sealed).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns two-factor on with the pending secret (re-sealed for its new
    /// column) and recovery codes; a code's step is remembered. Ends the
    /// person's other sessions.
    pub async fn enable_totp(&self, user: UserId, sealed: &[u8], step: i64, codes: &[String]) -> Result<(), DbError> {
        let mut tx = self.tx().await?;
        sqlx::query(
            "UPDATE users SET totp_secret = $2, totp_pending_secret = NULL, totp_enabled_at = now(), totp_last_step = $3, recovery_codes = $4
             WHERE id = $1",
        )
        .bind(user.0)
        .bind(sealed)
        .bind(step)
        .bind(codes)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns two-factor off.
    pub async fn disable_totp(&self, user: UserId) -> Result<(), DbError> {
        let mut tx = self.tx().await?;
        sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, recovery_codes = '{}'
             WHERE id = $1",
        )
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Accepts a code's step if it is later than the last one accepted
    /// (atomically: two sign-ins racing with one code, one wins).
    pub async fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool, DbError> {
        let mut tx = self.tx().await?;
        let done = sqlx::query("UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)")
            .bind(user.0)
            .bind(step)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(done == 1)
    }

    /// Spends a recovery code (its hash), once.
    pub async fn use_recovery_code(&self, user: UserId, hash: &str) -> Result<bool, DbError> {
        let mut tx = self.tx().await?;
        let done =
            sqlx::query("UPDATE users SET recovery_codes = array_remove(recovery_codes, $2) WHERE id = $1 AND $2 = ANY(recovery_codes)")
                .bind(user.0)
                .bind(hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        Ok(done == 1)
    }

    /// The person's open sessions, newest first.
    pub async fn sessions(&self, user: UserId) -> Result<Vec<SessionView>, DbError> {
        let mut tx = self.tx().await?;
        let rows = sqlx::query_as(
            "SELECT id, created_at, last_used_at, expires_at, user_agent, ip FROM refresh_tokens
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() ORDER BY created_at DESC LIMIT 100",
        )
        .bind(user.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Signs the person out everywhere: every refresh token revoked, every
    /// access token ended.
    pub async fn end_all_sessions(&self, user: UserId) -> Result<(), DbError> {
        let mut tx = self.tx().await?;
        revoke_refresh_tokens(&mut tx, user).await?;
        bump_version(&mut tx, user).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the tenant asks its people to use two-factor.
    pub async fn requires_two_factor(&self) -> Result<bool, DbError> {
        let mut tx = self.tx().await?;
        let on = sqlx::query_scalar("SELECT require_two_factor FROM tenants WHERE id = $1").bind(self.tenant.0).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(on)
    }

    /// Sets the rule; turning it on ends the sessions of those without
    /// two-factor (they set it up at their next sign-in). Returns them.
    pub async fn set_require_two_factor(&self, on: bool) -> Result<Vec<UserId>, DbError> {
        let mut tx = self.tx().await?;
        sqlx::query("UPDATE tenants SET require_two_factor = $2 WHERE id = $1").bind(self.tenant.0).bind(on).execute(&mut *tx).await?;
        let mut ended = Vec::new();
        if on {
            let users: Vec<uuid::Uuid> =
                sqlx::query_scalar("SELECT id FROM users WHERE totp_enabled_at IS NULL").fetch_all(&mut *tx).await?;
            for u in users {
                revoke_refresh_tokens(&mut tx, UserId(u)).await?;
                bump_version(&mut tx, UserId(u)).await?;
                ended.push(UserId(u));
            }
        }
        tx.commit().await?;
        Ok(ended)
    }
}

/// The owner of a live mailed token (the request names no tenant).
pub async fn token_owner(pool: &PgPool, hash: &[u8]) -> Result<Option<(UserId, TenantId, String)>, DbError> {
    let row: Option<(uuid::Uuid, uuid::Uuid, String)> =
        sqlx::query_as("SELECT user_id, tenant_id, purpose FROM auth_token_owner($1)").bind(hash).fetch_optional(pool).await?;
    Ok(row.map(|(u, t, p)| (UserId(u), TenantId(t), p)))
}
