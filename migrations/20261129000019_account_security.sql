-- Account security: one-time tokens mailed for a password reset or an email
-- verification (stored as SHA-256, single use, short-lived), TOTP two-factor
-- (the secret sealed with the master key, recovery codes as SHA-256, the last
-- step used so a code is never accepted twice), a tenant's rule that its
-- people use two-factor, and what a session list shows.

ALTER TABLE users
    ADD COLUMN email_verified_at timestamptz,
    ADD COLUMN totp_secret bytea,
    ADD COLUMN totp_pending_secret bytea,
    ADD COLUMN totp_enabled_at timestamptz,
    ADD COLUMN totp_last_step bigint,
    ADD COLUMN recovery_codes text[] NOT NULL DEFAULT '{}';

ALTER TABLE tenants ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;
GRANT UPDATE (require_two_factor) ON tenants TO whatsflow_app;

ALTER TABLE refresh_tokens
    ADD COLUMN user_agent text,
    ADD COLUMN ip text,
    ADD COLUMN last_used_at timestamptz;

CREATE TABLE auth_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    token_hash  bytea NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (tenant_id, user_id, purpose);
SELECT wf_protect_tenant_table('auth_tokens');

-- Whose a mailed token is (the request carries no tenant): its user, tenant
-- and purpose, if it is live.
CREATE FUNCTION auth_token_owner(p_hash bytea)
RETURNS TABLE (user_id uuid, tenant_id uuid, purpose text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT user_id, tenant_id, purpose FROM auth_tokens WHERE token_hash = p_hash AND used_at IS NULL AND expires_at > now()
$$;
REVOKE EXECUTE ON FUNCTION auth_token_owner(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_token_owner(bytea) TO whatsflow_app;

-- The sign-in record grows the account's two-factor state.
DROP FUNCTION auth_user_by_email(text);
CREATE FUNCTION auth_user_by_email(p_email text)
RETURNS TABLE (id uuid, tenant_id uuid, password_hash text, locked_until timestamptz, tenant_status text,
               two_factor boolean, two_factor_required boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT u.id, u.tenant_id, u.password_hash, u.locked_until, t.status, u.totp_enabled_at IS NOT NULL, t.require_two_factor
    FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE lower(u.email) = lower(p_email)
$$;
REVOKE EXECUTE ON FUNCTION auth_user_by_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_user_by_email(text) TO whatsflow_app;
