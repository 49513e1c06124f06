-- Broadcast campaigns: one approved template sent to an audience on one
-- number, paced, with one row per recipient whose state only moves forward.
CREATE TABLE campaigns (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    channel_id        uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    template_name     text NOT NULL,
    template_language text NOT NULL,
    -- {"body": [{"field": "contact.name"} | {"value": "…"}, …], "header": […]}
    variables         jsonb NOT NULL DEFAULT '{}',
    -- {"tags": […]} | {"contact_ids": […]}
    audience          jsonb NOT NULL,
    rate_mps          integer NOT NULL CHECK (rate_mps BETWEEN 1 AND 1000),
    status            text NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
    -- Why it paused by itself (a template paused by Meta, an account block).
    paused_reason     text,
    scheduled_at      timestamptz,
    started_at        timestamptz,
    completed_at      timestamptz,
    created_by        uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_tenant_idx ON campaigns (tenant_id, created_at DESC, id);
CREATE INDEX campaigns_active_idx ON campaigns (status, scheduled_at) WHERE status IN ('running', 'scheduled');

-- One row per recipient. `status` is where the campaign's own work stands:
-- pending (not yet handed over), sending (claimed; its message is being
-- stored under the send key), queued (its message exists: from then on the
-- message's own status says sent, delivered, read or failed), skipped (with
-- `skip_reason`), cancelled. The send key is the message's client_id,
-- `campaign:<campaign>:<recipient>`, so a claim repeated after a crash finds
-- the message stored the first time instead of storing a second one.
CREATE TABLE campaign_recipients (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    campaign_id      uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    position         integer NOT NULL,
    contact_id       uuid REFERENCES contacts(id) ON DELETE SET NULL,
    phone            text,
    -- The template's parameters for this recipient, resolved at launch.
    parameters       jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'queued', 'skipped', 'cancelled')),
    skip_reason      text,
    message_id       uuid REFERENCES messages(id) ON DELETE SET NULL,
    claimed_at       timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, position)
);
CREATE UNIQUE INDEX campaign_recipients_contact_key ON campaign_recipients (campaign_id, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX campaign_recipients_work_idx ON campaign_recipients (campaign_id, position) WHERE status IN ('pending', 'sending');
CREATE INDEX campaign_recipients_message_idx ON campaign_recipients (tenant_id, message_id) WHERE message_id IS NOT NULL;

-- What a delivered message costs, in ten-thousandths of the currency unit
-- (Meta publishes four decimals: ₹0.8631 is 8631), per pricing category and
-- calling-code prefix ('*' for any). A tenant row overrides the platform's
-- (tenant_id NULL).
CREATE TABLE rate_cards (
    id             bigserial PRIMARY KEY,
    tenant_id      uuid REFERENCES tenants(id) ON DELETE CASCADE,
    category       text NOT NULL,
    country_prefix text NOT NULL,
    currency       text NOT NULL,
    rate_e4        bigint NOT NULL CHECK (rate_e4 >= 0)
);
CREATE UNIQUE INDEX rate_cards_key ON rate_cards (COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), category, country_prefix);
-- Meta's India rates from 1 January 2026 (per delivered message).
INSERT INTO rate_cards (tenant_id, category, country_prefix, currency, rate_e4) VALUES
    (NULL, 'marketing', '*', 'INR', 8631),
    (NULL, 'utility', '*', 'INR', 1150),
    (NULL, 'authentication', '*', 'INR', 1150),
    (NULL, 'authentication_international', '*', 'INR', 1150),
    (NULL, 'service', '*', 'INR', 0);

SELECT wf_protect_tenant_table(t) FROM unnest(ARRAY['campaigns', 'campaign_recipients']) AS t;
-- The platform's rates are readable by every tenant; a tenant's only by it.
ALTER TABLE rate_cards ENABLE ROW LEVEL SECURITY;
ALTER TABLE rate_cards FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rates ON rate_cards USING (tenant_id IS NULL OR tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
CREATE POLICY owner_access ON rate_cards TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_cards TO whatsflow_app;
GRANT USAGE, SELECT ON SEQUENCE rate_cards_id_seq TO whatsflow_app;

-- The campaigns the server must drive (running) or start (scheduled and
-- due), across tenants, at start-up and on each scheduler tick.
CREATE FUNCTION active_campaigns()
RETURNS TABLE (tenant_id uuid, id uuid, status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT c.tenant_id, c.id, c.status FROM campaigns c
    WHERE c.status = 'running' OR (c.status = 'scheduled' AND c.scheduled_at <= now())
$$;
REVOKE EXECUTE ON FUNCTION active_campaigns() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION active_campaigns() TO whatsflow_app;
