-- Chatbot flows, their saved versions, and their runs.

CREATE TABLE flows (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    trigger_type          text NOT NULL CHECK (trigger_type IN ('keyword', 'welcome', 'button', 'referral', 'manual')),
    trigger_value         text,
    trigger_match         text NOT NULL DEFAULT 'exact' CHECK (trigger_match IN ('exact', 'contains', 'regex')),
    priority              integer NOT NULL DEFAULT 0,
    status                text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'inactive')),
    version               integer NOT NULL DEFAULT 1,
    flow_data             jsonb NOT NULL,
    pause_on_agent_reply  boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flows_tenant_idx ON flows (tenant_id, status, priority DESC);

-- Every save is a version; a run keeps the version it started with.
CREATE TABLE flow_versions (
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    flow_id     uuid NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    version     integer NOT NULL,
    flow_data   jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_id, version)
);
CREATE INDEX flow_versions_tenant_idx ON flow_versions (tenant_id, flow_id);

CREATE TABLE flow_runs (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    flow_id          uuid NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    version          integer NOT NULL,
    conversation_id  uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    status           text NOT NULL CHECK (status IN ('running', 'waiting', 'paused', 'completed', 'failed', 'stopped')),
    cursor           text,
    vars             jsonb NOT NULL DEFAULT '{}',
    waiting          jsonb,
    wake_at          timestamptz,
    path             jsonb NOT NULL DEFAULT '[]',
    step             bigint NOT NULL DEFAULT 0,
    error            text,
    started_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    ended_at         timestamptz
);
-- One active run per conversation.
CREATE UNIQUE INDEX flow_runs_active_key ON flow_runs (conversation_id) WHERE status IN ('running', 'waiting', 'paused');
CREATE INDEX flow_runs_flow_idx ON flow_runs (tenant_id, flow_id, started_at DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['flows', 'flow_versions', 'flow_runs'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO whatsflow_app', t);
    END LOOP;
END
$$;

-- Runs to wake at start-up (timers to re-arm, runs caught mid-step), across tenants.
CREATE FUNCTION active_flow_runs()
RETURNS TABLE (tenant_id uuid, conversation_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT r.tenant_id, r.conversation_id FROM flow_runs r WHERE r.status IN ('running', 'waiting')
$$;
GRANT EXECUTE ON FUNCTION active_flow_runs() TO whatsflow_app;
