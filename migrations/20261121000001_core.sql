-- whatsflow core schema: tenancy, identity, channels, conversations, messages
-- and the webhook inbox.
--
-- Tenancy: every tenant table carries tenant_id, an index leading with it, and
-- a row-level-security policy keyed on the per-transaction setting
-- app.tenant_id. The server runs its queries as the role whatsflow_app
-- (NOBYPASSRLS, not the tables' owner), so a query that forgets its tenant
-- sees nothing. The tables' owner (the role that runs migrations) is not
-- subject to the policies; the few lookups that must cross tenants (login by email,
-- routing a webhook by phone_number_id) are SECURITY DEFINER functions that
-- return only what that one lookup needs.

DO $$
BEGIN
    CREATE ROLE whatsflow_app NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- created by another database of the same cluster
END
$$;
-- The server connects as the migrating role and switches to whatsflow_app.
GRANT whatsflow_app TO CURRENT_USER;

-- The tenant of the current transaction, or NULL when none is set.
CREATE FUNCTION app_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid
$$;

CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email          text NOT NULL,
    name           text NOT NULL,
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('super_admin', 'partner_admin', 'tenant_admin', 'agent')),
    presence       text NOT NULL DEFAULT 'offline' CHECK (presence IN ('online', 'away', 'busy', 'offline')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz
);
-- One account per email across the platform (login is by email alone).
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_tenant_idx ON users (tenant_id);

-- Refresh tokens are single-use: refreshing revokes the old one and points
-- it at its successor, so a replayed (stolen) token is detectable.
CREATE TABLE refresh_tokens (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    replaced_by  uuid,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_tenant_idx ON refresh_tokens (tenant_id, user_id);

-- A tenant's own Meta app (optional): its secret signs the webhooks sent to
-- /webhooks/whatsapp/{app_id}. Secrets are AES-256-GCM ciphertext.
CREATE TABLE meta_apps (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id              text NOT NULL UNIQUE,
    app_secret_enc      bytea NOT NULL,
    verify_token_enc    bytea NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meta_apps_tenant_idx ON meta_apps (tenant_id);

-- A connected WhatsApp number. phone_number_id is unique platform-wide: it is
-- how every webhook finds its tenant.
CREATE TABLE channels (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    phone_number_id       text NOT NULL UNIQUE,
    display_phone_number  text NOT NULL,
    waba_id               text NOT NULL,
    name                  text NOT NULL DEFAULT '',
    access_token_enc      bytea NOT NULL,
    meta_app_id           uuid REFERENCES meta_apps(id) ON DELETE SET NULL,
    messages_per_second   integer NOT NULL DEFAULT 80 CHECK (messages_per_second > 0),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channels_tenant_idx ON channels (tenant_id);
CREATE INDEX channels_waba_idx ON channels (waba_id);

-- A customer, known by phone (E.164 with +) and/or Meta's business-scoped
-- user id; at least one is present.
CREATE TABLE contacts (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    phone          text,
    wa_user_id     text,
    username       text,
    name           text,
    tags           text[] NOT NULL DEFAULT '{}',
    custom_fields  jsonb NOT NULL DEFAULT '{}',
    opted_in       boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (phone IS NOT NULL OR wa_user_id IS NOT NULL)
);
CREATE UNIQUE INDEX contacts_phone_key ON contacts (tenant_id, phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX contacts_user_key ON contacts (tenant_id, wa_user_id) WHERE wa_user_id IS NOT NULL;
CREATE INDEX contacts_tenant_idx ON contacts (tenant_id, created_at DESC, id);

-- The thread between one channel and one contact. last_seq numbers every
-- event in it (messages and status changes) for agents' resynchronisation.
CREATE TABLE conversations (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    channel_id       uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    contact_id       uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
    assignee_id      uuid REFERENCES users(id) ON DELETE SET NULL,
    unread_count     bigint NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
    last_seq         bigint NOT NULL DEFAULT 0,
    last_inbound_at  timestamptz,
    last_message_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel_id, contact_id)
);
CREATE INDEX conversations_tenant_idx ON conversations (tenant_id, (COALESCE(last_message_at, created_at)) DESC, id DESC);
CREATE INDEX conversations_assignee_idx ON conversations (tenant_id, assignee_id);

-- Status ladder rank: a status only replaces a lower one.
CREATE FUNCTION message_status_rank(s text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE s
        WHEN 'received' THEN 0 WHEN 'pending' THEN 0 WHEN 'accepted' THEN 1
        WHEN 'sent' THEN 2 WHEN 'delivered' THEN 3 WHEN 'failed' THEN 4
        WHEN 'read' THEN 5 WHEN 'played' THEN 6 ELSE 0 END
$$;

CREATE TABLE messages (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq              bigint NOT NULL,
    status_seq       bigint NOT NULL,
    wamid            text,
    direction        text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    type             text NOT NULL,
    status           text NOT NULL,
    content          jsonb NOT NULL DEFAULT '{}',
    context          jsonb,
    referral         jsonb,
    errors           jsonb,
    reaction         jsonb,
    pricing          jsonb,
    meta_conversation jsonb,
    sent_by          jsonb,
    timestamp        timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    delivered_at     timestamptz,
    read_at          timestamptz,
    failed_at        timestamptz
);
-- Idempotency: one row per Meta message id per tenant.
CREATE UNIQUE INDEX messages_wamid_key ON messages (tenant_id, wamid) WHERE wamid IS NOT NULL;
CREATE INDEX messages_conversation_idx ON messages (tenant_id, conversation_id, seq);
CREATE INDEX messages_status_seq_idx ON messages (tenant_id, conversation_id, status_seq);

-- Statuses and reactions that arrived before the message they refer to.
CREATE TABLE held_events (
    id            bigserial PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    target_wamid  text NOT NULL,
    event         jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX held_events_target_idx ON held_events (tenant_id, target_wamid);

-- Message templates (kept in sync from Meta's status webhooks).
CREATE TABLE templates (
    id                 uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    waba_id            text NOT NULL,
    meta_template_id   text,
    name               text NOT NULL,
    language           text NOT NULL,
    category           text,
    status             text NOT NULL DEFAULT 'PENDING',
    rejected_reason    text,
    components         jsonb NOT NULL DEFAULT '[]',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name, language)
);

-- Raw webhook POSTs, committed before Meta is acknowledged. A row with no
-- processed_at is replayed at start-up (processing is idempotent). This is a
-- platform table: one POST can carry several tenants' events, and its tenant
-- is not known until routed, so it has no tenant_id and no RLS; only the
-- server reads it.
CREATE TABLE webhook_inbox (
    id            bigserial PRIMARY KEY,
    app_id        text,
    body          bytea NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz,
    attempts      integer NOT NULL DEFAULT 0,
    -- A fresh row is being processed; the sweeper looks at it only after
    -- this (failed rows: exponential backoff from the last failure).
    next_attempt_at timestamptz NOT NULL DEFAULT now() + interval '60 seconds',
    notes         jsonb NOT NULL DEFAULT '[]',
    last_error    text
);
CREATE INDEX webhook_inbox_pending_idx ON webhook_inbox (id) WHERE processed_at IS NULL;

-- Row-level security on every tenant table.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'refresh_tokens', 'meta_apps', 'channels', 'contacts',
                             'conversations', 'messages', 'held_events', 'templates']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END
$$;
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants USING (id = app_tenant()) WITH CHECK (id = app_tenant());

-- Cross-tenant lookups, each returning only what its caller needs.

-- Login: the account for an email, whatever its tenant.
CREATE FUNCTION auth_user_by_email(p_email text)
RETURNS TABLE (id uuid, tenant_id uuid, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT u.id, u.tenant_id, u.password_hash FROM users u WHERE lower(u.email) = lower(p_email)
$$;

-- Webhook routing: the channel with this Meta phone_number_id.
CREATE FUNCTION route_channel(p_phone_number_id text)
RETURNS TABLE (tenant_id uuid, channel_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT c.tenant_id, c.id FROM channels c WHERE c.phone_number_id = p_phone_number_id
$$;

-- Template webhooks carry no number, only the WABA.
CREATE FUNCTION route_waba(p_waba_id text)
RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT DISTINCT c.tenant_id FROM channels c WHERE c.waba_id = p_waba_id LIMIT 1
$$;

-- A tenant's own Meta app, by Meta's app id (its secrets stay encrypted).
CREATE FUNCTION route_meta_app(p_app_id text)
RETURNS TABLE (tenant_id uuid, app_secret_enc bytea, verify_token_enc bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT m.tenant_id, m.app_secret_enc, m.verify_token_enc FROM meta_apps m WHERE m.app_id = p_app_id
$$;

GRANT USAGE ON SCHEMA public TO whatsflow_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO whatsflow_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO whatsflow_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO whatsflow_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO whatsflow_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO whatsflow_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO whatsflow_app;
