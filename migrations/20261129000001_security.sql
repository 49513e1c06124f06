-- Security hardening.
--
-- 1. The server logs in as whatsflow_app, a role that owns nothing and is
--    subject to row-level security; migrations keep running as the owner.
--    The role's password is set by the server at start-up (derived from
--    WHATSFLOW_MASTER_KEY, so every node of a cluster agrees on it), or the
--    operator gives its URL as WHATSFLOW_DATABASE_APP_URL.
-- 2. FORCE ROW LEVEL SECURITY on every tenant table: the owner is subject to
--    the policies too, except through the one policy that names it (so the
--    SECURITY DEFINER lookups, which run as the owner, still cross tenants).
-- 3. EXECUTE on functions is revoked from PUBLIC and granted to the app role
--    only (auth_user_by_email returns password hashes).
-- 4. Revocable sessions, login lockout, one tenant per WABA, dead letters,
--    in-doubt sends and retention.

ALTER ROLE whatsflow_app LOGIN NOBYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE;

-- Tables a tenant owns rows of: isolation for the app, access for the owner.
CREATE FUNCTION wf_protect_tenant_table(t text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = t AND policyname = 'tenant_isolation') THEN
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = t AND policyname = 'owner_access') THEN
        EXECUTE format('CREATE POLICY owner_access ON %I TO %I USING (true) WITH CHECK (true)', t, current_user);
    END IF;
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO whatsflow_app', t);
END
$$;
REVOKE EXECUTE ON FUNCTION wf_protect_tenant_table(text) FROM PUBLIC;

SELECT wf_protect_tenant_table(t) FROM unnest(ARRAY[
    'users', 'refresh_tokens', 'meta_apps', 'channels', 'contacts', 'conversations', 'messages',
    'held_events', 'templates', 'notes', 'api_keys', 'flows', 'flow_versions', 'flow_runs']) AS t;

ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON tenants TO CURRENT_USER USING (true) WITH CHECK (true);

-- The migration history is the owner's business.
REVOKE ALL ON _sqlx_migrations FROM whatsflow_app;

-- Sessions: every access token carries its user's token_version; bumping it
-- (logout, role or password change) ends every access token at once.
ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0;
-- Failed logins in a row and the lockout they earned.
ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until timestamptz;

DROP FUNCTION auth_user_by_email(text);
CREATE FUNCTION auth_user_by_email(p_email text)
RETURNS TABLE (id uuid, tenant_id uuid, password_hash text, locked_until timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT u.id, u.tenant_id, u.password_hash, u.locked_until FROM users u WHERE lower(u.email) = lower(p_email)
$$;

-- A WhatsApp Business Account belongs to one tenant: the first to connect a
-- verified number of it. Template webhooks (which name only the WABA) route
-- to that tenant.
CREATE TABLE waba_owners (
    waba_id     text PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX waba_owners_tenant_idx ON waba_owners (tenant_id);
SELECT wf_protect_tenant_table('waba_owners');
INSERT INTO waba_owners (waba_id, tenant_id, created_at)
SELECT DISTINCT ON (waba_id) waba_id, tenant_id, created_at FROM channels ORDER BY waba_id, created_at
ON CONFLICT DO NOTHING;

DROP FUNCTION route_waba(text);
CREATE FUNCTION route_waba(p_waba_id text)
RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT w.tenant_id FROM waba_owners w WHERE w.waba_id = p_waba_id
$$;

-- Events a conversation could not store after repeated failures, parked for
-- an operator with the error instead of retried forever.
CREATE TABLE dead_letters (
    id               bigserial PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    channel_id       uuid,
    contact_id       uuid,
    conversation_id  uuid,
    events           jsonb NOT NULL,
    error            text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    retried_at       timestamptz
);
CREATE INDEX dead_letters_tenant_idx ON dead_letters (tenant_id, created_at DESC);
SELECT wf_protect_tenant_table('dead_letters');
GRANT USAGE, SELECT ON SEQUENCE dead_letters_id_seq TO whatsflow_app;

-- Inbox rows that failed every attempt: kept for an operator, counted.
ALTER TABLE webhook_inbox ADD COLUMN dead_at timestamptz;
-- 'meta': a webhook POST as received; 'replay': a dead letter fed back
-- (processed with the same durability).
ALTER TABLE webhook_inbox ADD COLUMN kind text NOT NULL DEFAULT 'meta' CHECK (kind IN ('meta', 'replay'));
CREATE INDEX webhook_inbox_dead_idx ON webhook_inbox (dead_at) WHERE dead_at IS NOT NULL;
CREATE INDEX webhook_inbox_settled_idx ON webhook_inbox (processed_at) WHERE processed_at IS NOT NULL;
CREATE INDEX held_events_created_idx ON held_events (created_at);

-- In-doubt sends: a message whose send outcome stayed unknown past the grace
-- is `unconfirmed` (rank of accepted: any status from Meta replaces it).
CREATE OR REPLACE FUNCTION message_status_rank(s text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE s
        WHEN 'received' THEN 0 WHEN 'pending' THEN 0 WHEN 'accepted' THEN 1 WHEN 'unconfirmed' THEN 1
        WHEN 'sent' THEN 2 WHEN 'delivered' THEN 3 WHEN 'failed' THEN 4
        WHEN 'read' THEN 5 WHEN 'played' THEN 6 ELSE 0 END
$$;
-- When the send was last handed to Meta (the grace runs from it).
ALTER TABLE messages ADD COLUMN send_attempted_at timestamptz;
-- A bot's message whose outcome is unknown: resend it after the grace
-- (true), or only record it (false, the default: never risk a double).
ALTER TABLE flows ADD COLUMN resend_unconfirmed boolean NOT NULL DEFAULT false;

-- Every function is the app role's only.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_tenant(), message_status_rank(text), auth_user_by_email(text), route_channel(text),
    route_waba(text), route_meta_app(text), pending_outbound(), auth_api_key(bytea), active_flow_runs() TO whatsflow_app;
-- (The global default, not a schema's: PUBLIC's EXECUTE is granted globally.)
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Retention of held events spans tenants (they are purged by age, not by
-- tenant), so it is one definer function the app role may call.
CREATE FUNCTION purge_held_events(p_older_than interval, p_limit bigint) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH gone AS (
        DELETE FROM held_events WHERE id IN (
            SELECT id FROM held_events WHERE created_at < now() - p_older_than LIMIT p_limit)
        RETURNING 1)
    SELECT count(*) FROM gone
$$;
REVOKE EXECUTE ON FUNCTION purge_held_events(interval, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_held_events(interval, bigint) TO whatsflow_app;
REVOKE EXECUTE ON FUNCTION wf_protect_tenant_table(text) FROM whatsflow_app;
