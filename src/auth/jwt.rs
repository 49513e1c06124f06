//! JWT access tokens (15 minutes) and refresh tokens (7 days, single use:
//! each refresh revokes the token it used).

use super::Role;
use crate::http::error::ApiError;
use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use whatsflow_actors::ids::{TenantId, UserId};

/// Lifetime of an access token.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
/// Lifetime of a refresh token.
pub const REFRESH_TTL_SECS: i64 = 7 * 24 * 3600;

/// Which kind of token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// For API calls.
    Access,
    /// Only for `auth/refresh`.
    Refresh,
    /// Only for finishing a two-factor sign-in (`auth/2fa/*`): the password
    /// was right, a code is still due.
    Mfa,
}

/// Lifetime of an operator's impersonation token.
pub const IMPERSONATION_TTL_SECS: i64 = 30 * 60;

/// Lifetime of a two-factor sign-in token.
pub const MFA_TTL_SECS: i64 = 5 * 60;

/// The claims whatsflow puts in its tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: uuid::Uuid,
    /// Tenant id.
    pub tid: uuid::Uuid,
    /// Role.
    pub role: Role,
    /// Access or refresh.
    pub typ: TokenKind,
    /// Token id (refresh tokens: the `refresh_tokens` row).
    pub jti: uuid::Uuid,
    /// The user's token version when issued: a token of an older version
    /// (signed out, role or password changed since) is refused.
    #[serde(default)]
    pub ver: i32,
    /// A platform operator viewing the tenant as this user (impersonation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imp: Option<uuid::Uuid>,
    /// Issued at.
    pub iat: i64,
    /// Expires at.
    pub exp: i64,
}

/// Signing keys.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtKeys {
    /// Keys from the `JWT_SECRET`.
    pub fn new(secret: &str) -> Self {
        Self { encoding: EncodingKey::from_secret(secret.as_bytes()), decoding: DecodingKey::from_secret(secret.as_bytes()) }
    }

    /// Signs a token.
    pub fn issue(
        &self,
        user: UserId,
        tenant: TenantId,
        role: Role,
        version: i32,
        typ: TokenKind,
        jti: uuid::Uuid,
    ) -> Result<(String, i64), ApiError> {
        let now = Utc::now().timestamp();
        let ttl = match typ {
            TokenKind::Access => ACCESS_TTL_SECS,
            TokenKind::Refresh => REFRESH_TTL_SECS,
            TokenKind::Mfa => MFA_TTL_SECS,
        };
        let claims = Claims { sub: user.0, tid: tenant.0, role, typ, jti, ver: version, imp: None, iat: now, exp: now + ttl };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| ApiError::Internal(e.into()))?;
        Ok((token, ttl))
    }

    /// Signs an access token with which `operator` views the tenant as
    /// `user` for [`IMPERSONATION_TTL_SECS`] (no refresh token exists for it).
    pub fn issue_impersonation(
        &self,
        user: UserId,
        tenant: TenantId,
        role: Role,
        version: i32,
        operator: UserId,
    ) -> Result<(String, i64), ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.0,
            tid: tenant.0,
            role,
            typ: TokenKind::Access,
            jti: uuid::Uuid::new_v4(),
            ver: version,
            imp: Some(operator.0),
            iat: now,
            exp: now + IMPERSONATION_TTL_SECS,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| ApiError::Internal(e.into()))?;
        Ok((token, IMPERSONATION_TTL_SECS))
    }

    /// Verifies a token's signature, expiry and kind.
    pub fn verify(&self, token: &str, typ: TokenKind) -> Result<Claims, ApiError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 5;
        let claims = decode::<Claims>(token, &self.decoding, &v)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ApiError::Unauthorized("token expired; refresh it with /api/v1/auth/refresh or log in again".into())
                }
                _ => ApiError::Unauthorized("invalid token; log in again".into()),
            })?
            .claims;
        if claims.typ != typ {
            return Err(ApiError::Unauthorized(match typ {
                TokenKind::Access => "this is a refresh token; send the access token".into(),
                TokenKind::Refresh => "this is not a refresh token; send the refresh token".into(),
                TokenKind::Mfa => "this is not a two-factor sign-in token; sign in with your password first".into(),
            }));
        }
        Ok(claims)
    }
}
